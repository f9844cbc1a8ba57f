import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSessions } from '../../src/core/manager.js';
import type { Change, SessionRecord } from '../../src/core/store.js';
import { withSessions } from '../../src/adapters/node.js';
import { CountingStore } from '../helpers/counting-store.js';
import { CookieClient, listen, type Running } from '../helpers/http.js';

/** A real store that answers slowly, to show responses wait for the write. */
class SlowStore extends CountingStore {
  delay = 0;
  override async create(key: string, record: SessionRecord) {
    await new Promise((r) => setTimeout(r, this.delay));
    return super.create(key, record);
  }
  override async update(key: string, record: SessionRecord, change: Change) {
    await new Promise((r) => setTimeout(r, this.delay));
    return super.update(key, record, change);
  }
}

describe('sessionkit/node over real sockets', () => {
  const clock = { now: Date.now() };
  const store = new SlowStore({ now: () => clock.now });
  const manager = createSessions<{ count: number; user: string; a: number; b: number }>({
    store,
    now: () => clock.now,
    idleTimeout: 10 * 60_000,
    lifetime: 60 * 60_000,
    cleanupInterval: false,
  });
  let server: Running;

  before(async () => {
    server = await listen(
      withSessions(manager, async (req, res, session) => {
        const url = new URL(req.url ?? '/', 'http://x');
        switch (url.pathname) {
          case '/inc':
            session.set('count', (session.get('count') ?? 0) + 1);
            res.end(String(session.get('count')));
            return;
          case '/read':
            res.end(String(session.get('count') ?? 'none'));
            return;
          case '/login':
            session.regenerate();
            session.set('user', 'ada');
            res.writeHead(302, { Location: '/read' }).end();
            return;
          case '/whoami':
            res.end(session.get('user') ?? 'anonymous');
            return;
          case '/logout':
            session.destroy();
            session.flash('info', 'bye');
            res.end('ok');
            return;
          case '/flash':
            res.end(JSON.stringify(session.flashes('info')));
            return;
          case '/set': {
            const k = url.searchParams.get('k') as 'a' | 'b';
            session.set(k, Number(url.searchParams.get('v')));
            res.end('ok');
            return;
          }
          case '/both':
            res.end(JSON.stringify([session.get('a'), session.get('b')]));
            return;
          case '/stream':
            session.set('count', 42);
            res.write('part 1, ');
            await new Promise((r) => setTimeout(r, 10));
            res.end('part 2');
            return;
          default:
            res.statusCode = 404;
            res.end();
        }
      }),
    );
  });
  after(async () => {
    await server.close();
    await manager.close();
  });

  it('creates, persists and reads a session', async () => {
    const client = new CookieClient(server.url);
    assert.equal(await client.text('/read'), 'none');
    assert.equal(client.lastSetCookies.length, 0, 'no cookie for a visitor with an empty session');
    const first = await client.fetch('/inc');
    assert.equal(await first.text(), '1');
    assert.equal(first.headers.get('cache-control'), 'no-store');
    assert.match(client.lastSetCookies[0] ?? '', /^sid=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax$/);
    assert.equal(await client.text('/inc'), '2');
    assert.equal(await client.text('/inc'), '3');
  });

  it('a read-only request does one store read, no write, no Set-Cookie', async () => {
    const client = new CookieClient(server.url);
    await client.fetch('/inc');
    store.reset();
    const response = await client.fetch('/read');
    assert.equal(await response.text(), '1');
    assert.deepEqual(store.calls, ['get']);
    assert.equal(response.headers.get('set-cookie'), null);
  });

  it('the store write completes before the response headers go out (redirect after login)', async () => {
    store.delay = 60;
    try {
      const client = new CookieClient(server.url);
      const response = await client.fetch('/login');
      assert.equal(response.status, 302);
      // The very next request, sent the moment the redirect arrives, is already signed in.
      assert.equal(await client.text('/whoami'), 'ada');
    } finally {
      store.delay = 0;
    }
  });

  it('regenerate: the old id stops working', async () => {
    const client = new CookieClient(server.url);
    await client.fetch('/inc');
    const oldId = client.get('sid');
    await client.fetch('/login');
    assert.notEqual(client.get('sid'), oldId);
    assert.equal(await client.text('/read'), '1', 'data survives regenerate');
    const attacker = new CookieClient(server.url);
    attacker.jar.set('sid', { value: oldId as string, attributes: {} });
    assert.equal(await attacker.text('/read'), 'none');
  });

  it('destroy expires the cookie, removes the record, and a flash after logout is delivered', async () => {
    const client = new CookieClient(server.url);
    await client.fetch('/login');
    const id = client.get('sid') as string;
    await client.fetch('/logout');
    assert.notEqual(client.get('sid'), id);
    assert.ok(client.lastSetCookies.some((c) => c.startsWith('sid=') && !c.startsWith('sid=;')));
    assert.equal(await client.text('/whoami'), 'anonymous');
    assert.equal(await client.text('/flash'), '["bye"]');
    assert.equal(await client.text('/flash'), '[]');
    const replay = new CookieClient(server.url);
    replay.jar.set('sid', { value: id, attributes: {} });
    assert.equal(await replay.text('/whoami'), 'anonymous');
  });

  it('idle and absolute expiry follow the injected clock', async () => {
    const client = new CookieClient(server.url);
    await client.fetch('/inc');
    clock.now += 9 * 60_000;
    assert.equal(await client.text('/read'), '1');
    clock.now += 9 * 60_000;
    assert.equal(await client.text('/read'), '1', 'the read 9 minutes ago slid the idle window');
    clock.now += 11 * 60_000;
    assert.equal(await client.text('/read'), 'none', 'idle for 11 minutes');

    const busy = new CookieClient(server.url);
    await busy.fetch('/inc');
    for (let i = 0; i < 6; i++) {
      clock.now += 9 * 60_000;
      await busy.fetch('/inc');
    }
    assert.equal(await busy.text('/read'), '7');
    clock.now += 9 * 60_000; // 63 minutes after creation, active all along
    assert.equal(await busy.text('/read'), 'none', 'absolute lifetime of 60 minutes');
  });

  it('concurrent requests changing different keys both keep their change', async () => {
    store.delay = 20;
    try {
      const client = new CookieClient(server.url);
      await client.fetch('/set?k=a&v=0');
      await Promise.all([client.fetch('/set?k=a&v=1'), client.fetch('/set?k=b&v=2')]);
      assert.equal(await client.text('/both'), '[1,2]');
    } finally {
      store.delay = 0;
    }
  });

  it('a response streamed in parts still carries its cookie', async () => {
    const client = new CookieClient(server.url);
    assert.equal(await client.text('/stream'), 'part 1, part 2');
    assert.equal(await client.text('/read'), '42');
  });

  it('answers 503 when the store is down, and keeps serving', async () => {
    const client = new CookieClient(server.url);
    await client.fetch('/inc');
    store.failing = new Error('ECONNREFUSED');
    try {
      const down = await client.fetch('/read');
      assert.equal(down.status, 503);
      assert.match(await down.text(), /session store/);
      const fresh = await new CookieClient(server.url).fetch('/inc');
      assert.equal(fresh.status, 503, 'a write to a dead store is a 503 too, not a fake success');
    } finally {
      store.failing = undefined;
    }
    assert.equal(await client.text('/inc'), '2');
  });

  it('treats garbage cookies as no session, never a 500', async () => {
    for (const cookie of [
      'sid=',
      'sid=%%%',
      `sid=${'x'.repeat(5000)}`,
      'sid=a; sid=b; sid=c',
      '=====',
      'sid="unterminated',
    ]) {
      const response = await fetch(`${server.url}/read`, { headers: { cookie } });
      assert.equal(response.status, 200, cookie);
      assert.equal(await response.text(), 'none');
    }
  });
});
