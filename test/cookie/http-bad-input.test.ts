/**
 * Bad cookies sent to a real node:http server: every one yields a fresh, empty session
 * and an invalid-cookie (or expired) event, never a 500 and never someone else's data.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { withSessions } from '../../src/adapters/node.js';
import type { SessionEvent } from '../../src/core/events.js';
import { generateKey } from '../../src/core/keyring.js';
import { createSessions } from '../../src/core/manager.js';
import { CookieStore } from '../../src/stores/cookie.js';
import { CookieClient, listen, type Running } from '../helpers/http.js';

describe('CookieStore over node:http: bad input never breaks a request', () => {
  const clock = { now: Date.now() };
  const events: SessionEvent[] = [];
  const key = generateKey();
  const manager = createSessions<{ user: string; blob: string }>({
    store: new CookieStore({ keys: [key] }),
    now: () => clock.now,
    idleTimeout: 10 * 60_000,
    lifetime: 60 * 60_000,
    onEvent: (e) => events.push(e),
  });
  let server: Running;

  before(async () => {
    server = await listen(
      withSessions(manager, (req, res, session) => {
        const url = new URL(req.url ?? '/', 'http://x');
        if (url.pathname === '/login') {
          session.set('user', url.searchParams.get('user') ?? 'anon');
          session.set('blob', 'x'.repeat(Number(url.searchParams.get('size') ?? 0)));
        }
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ user: session.get('user') ?? null, isNew: session.isNew }));
      }),
    );
  });
  after(() => server.close());

  const loginAs = async (user: string, size = 0) => {
    const client = new CookieClient(server.url);
    await client.fetch(`/login?user=${user}&size=${size}`);
    return client;
  };
  const whoami = async (cookie: string) => {
    const response = await fetch(`${server.url}/me`, { headers: { cookie } });
    assert.equal(response.status, 200, `status for ${cookie.slice(0, 60)}`);
    return (await response.json()) as { user: string | null; isNew: boolean };
  };

  it('a good cookie works (control)', async () => {
    const alice = await loginAs('alice');
    assert.deepEqual(await whoami(alice.cookieHeader()), { user: 'alice', isNew: false });
  });

  it('tampered, truncated, non-base64, wrong-key, oversized and garbage cookies give a fresh session', async () => {
    const alice = await loginAs('alice');
    const value = alice.get('sid') as string;
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    const otherKey = createSessions({ store: new CookieStore({ keys: [generateKey()] }) });
    const foreign = await otherKey.load('');
    foreign.set('user', 'mallory');
    const [foreignCookie] = (await otherKey.commit(foreign)).cookies;
    const cases = {
      tampered: `sid=${flip(value, 30)}`,
      tamperedTag: `sid=${flip(value, value.length - 3)}`,
      truncated: `sid=${value.slice(0, -5)}`,
      headerOnly: `sid=${value.slice(0, 4)}`,
      nonBase64: `sid=${value.slice(0, 20)}!*%${value.slice(23)}`,
      padded: `sid=${value}==`,
      wrongKey: foreignCookie.split(';')[0],
      oversized: `sid=${'A'.repeat(7000)}`,
      fakeChunks: `sid=3.${value}; sid.1=AAAA`,
      empty: 'sid=',
    };
    for (const [name, cookie] of Object.entries(cases)) {
      events.length = 0;
      const me = await whoami(cookie);
      assert.deepEqual(me, { user: null, isNew: true }, name);
      assert.equal(events[0]?.type, 'invalid-cookie', name);
    }
  });

  it('reordered, missing and duplicated chunks give a fresh session', async () => {
    const bob = await loginAs('bob', 7000);
    const head = bob.get('sid') as string;
    const one = bob.get('sid.1') as string;
    const two = bob.get('sid.2') as string;
    assert.ok(head && one && two, 'three chunks');
    assert.equal((await whoami(`sid=${head}; sid.1=${one}; sid.2=${two}`)).user, 'bob', 'control');
    assert.equal((await whoami(`sid.2=${two}; sid=${head}; sid.1=${one}`)).user, 'bob', 'cookie order does not matter');
    const cases = {
      swapped: `sid=${head}; sid.1=${two}; sid.2=${one}`,
      missing: `sid=${head}; sid.2=${two}`,
      duplicatedChunk: `sid=${head}; sid.1=${one}; sid.1=${one}; sid.2=${two}`,
      duplicatedHead: `sid=${head}; sid=${head}; sid.1=${one}; sid.2=${two}`,
    };
    const reasons: string[] = [];
    for (const [name, cookie] of Object.entries(cases)) {
      events.length = 0;
      assert.deepEqual(await whoami(cookie), { user: null, isNew: true }, name);
      reasons.push(String(events[0]?.reason));
    }
    // Swapped parts fail the tag, or already the base64url check when their lengths differ.
    assert.ok(['tampered', 'malformed'].includes(reasons[0] as string), reasons[0]);
    assert.deepEqual(reasons.slice(1), ['truncated', 'duplicate', 'duplicate']);
  });

  it('chunks of two users mixed never yield either user', async () => {
    const bob = await loginAs('bob', 7000);
    const eve = await loginAs('eve', 7000);
    const mixed = `sid=${bob.get('sid')}; sid.1=${eve.get('sid.1')}; sid.2=${bob.get('sid.2')}`;
    assert.deepEqual(await whoami(mixed), { user: null, isNew: true });
  });

  it('an expired cookie gives a fresh session and is cleared', async () => {
    const carol = await loginAs('carol');
    clock.now += 11 * 60_000;
    events.length = 0;
    const response = await fetch(`${server.url}/me`, { headers: { cookie: carol.cookieHeader() } });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { user: null, isNew: true });
    assert.equal(events[0]?.type, 'expired');
    assert.match(response.headers.getSetCookie()[0] ?? '', /^sid=; Max-Age=0/);
    clock.now = Date.now();
  });

  it('a session too large for maxChunks cookies fails before anything is sent (500 from the adapter, process keeps serving)', async () => {
    const response = await fetch(`${server.url}/login?user=big&size=40000`);
    assert.equal(response.status, 500);
    assert.deepEqual(response.headers.getSetCookie(), []);
    assert.deepEqual(await whoami(''), { user: null, isNew: true });
  });
});
