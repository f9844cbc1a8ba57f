/**
 * GorillaCookieStore: a sessionkit app reading and writing the cookie a Gin app uses.
 * Go's side is represented by the vectors a real Go program wrote, and by the Go-format
 * decoder checked against them (vectors.test.ts).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { SessionError } from '../../src/core/errors.js';
import type { SessionEvent } from '../../src/core/events.js';
import { createSessions } from '../../src/core/manager.js';
import { decodeGob, GorillaCodec, GorillaCookieStore, META_KEY, SecureCookie } from '../../src/gorilla/index.js';
import { parseSetCookie } from '../helpers/http.js';

const vectors = readFileSync(new URL('./gorilla-securecookie.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line));
const multi = vectors.find((v) => v.id === 'aes256/gob/multi/live');
const pair = { hashKey: multi.hashKeyHex, blockKey: multi.blockKeyHex };
const LIVE_NOW = Number(multi.timestamp) * 1000 + 60_000;

function setup(keys = [pair]) {
  const events: SessionEvent[] = [];
  const manager = createSessions({
    store: new GorillaCookieStore({ keys, now: () => LIVE_NOW }),
    cookie: { name: 'mysession' },
    now: () => LIVE_NOW,
    onEvent: (e) => events.push(e),
    cleanupInterval: false,
  });
  return { manager, events };
}

describe('GorillaCookieStore: sessions shared with a Gin app', () => {
  it('opens a session Gin wrote (real Go vector) and writes one Go can decode', async () => {
    const { manager } = setup();
    const session = await manager.load({ cookie: `mysession=${multi.encoded}`, host: 'app.example' });
    assert.equal(session.isNew, false);
    assert.equal(session.get('user'), 'john');
    assert.equal(session.get('n'), 42);
    session.set('cart', ['apple', 'pear']);
    session.userId = 'john';
    const { cookies } = await manager.commit(session);
    assert.equal(cookies.length, 1);
    const value = parseSetCookie(cookies[0]).value;
    // What Go's securecookie + gob would see: the same map plus our metadata string.
    const values = decodeGob(await new SecureCookie([pair], { maxAge: 0 }).decode('mysession', value)) as Map<
      unknown,
      unknown
    >;
    assert.equal(values.get('user'), 'john');
    assert.equal(values.get('n'), 42);
    assert.deepEqual(values.get('cart'), ['apple', 'pear']);
    assert.equal(typeof values.get(META_KEY), 'string');
    // And sessionkit reads its own write back, user id and all.
    const again = await manager.load({ cookie: `mysession=${value}`, host: 'app.example' });
    assert.equal(again.userId, 'john');
    assert.deepEqual(again.get('cart'), ['apple', 'pear']);
    assert.equal(again.id, session.id, 'the session id survives in the metadata');
  });

  it('flashes added by Go (AddFlash → "_flash") are read once', async () => {
    const codec = new GorillaCodec([pair], { now: () => LIVE_NOW });
    const goCookie = await codec.encodeSession('mysession', {
      values: { user: 'ann' },
      flashes: { _flash: ['Saved!'] },
    });
    const { manager } = setup();
    const session = await manager.load({ cookie: `mysession=${goCookie}`, host: 'app.example' });
    assert.deepEqual(session.flashes('_flash'), ['Saved!']);
    const { cookies } = await manager.commit(session);
    const back = await codec.decodeSession('mysession', parseSetCookie(cookies[0]).value);
    assert.deepEqual(back.flashes, {});
    assert.equal(back.values.user, 'ann');
  });

  it('refuses tampered, wrong-key and wrong-name cookies with a fresh session', async () => {
    const { manager, events } = setup([{ hashKey: 'ab'.repeat(32), blockKey: 'cd'.repeat(32) }]);
    const reject = vectors.filter((v) => v.kind === 'reject' && v.encoded.length <= 4096);
    for (const cookie of [multi.encoded, ...reject.map((v) => v.encoded), 'garbage', '']) {
      const session = await manager.load({ cookie: `mysession=${cookie}`, host: 'app.example' });
      assert.equal(session.isNew, true);
      assert.equal(session.get('user'), undefined);
    }
    assert.ok(events.length > 0 && events.every((e) => e.type === 'invalid-cookie'));
    assert.ok(events.some((e) => e.reason === 'tampered'));
  });

  it('rotation: a cookie opened with an older Go key pair is re-sealed with the newest', async () => {
    const newest = { hashKey: '11'.repeat(32), blockKey: '22'.repeat(32) };
    const { manager } = setup([newest, pair]);
    const session = await manager.load({ cookie: `mysession=${multi.encoded}`, host: 'app.example' });
    assert.equal(session.get('user'), 'john');
    const { cookies } = await manager.commit(session);
    assert.equal(cookies.length, 1, 're-sealed although nothing changed');
    const value = parseSetCookie(cookies[0]).value;
    assert.ok(await new SecureCookie([newest], { maxAge: 0 }).decode('mysession', value));
  });

  it('refuses values Go cannot carry at set(), and sessions too large for one Go cookie at commit', async () => {
    const { manager } = setup();
    const session = await manager.load({ host: 'app.example' });
    assert.throws(
      () => session.set('profile', { name: 'x' }),
      (e: unknown) => e instanceof SessionError && e.code === 'unserializable-value',
    );
    session.set('big', 'x'.repeat(5000));
    await assert.rejects(
      manager.commit(session),
      (e: unknown) => e instanceof SessionError && e.code === 'cookie-too-large',
    );
  });
});
