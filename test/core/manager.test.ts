import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { SessionError } from '../../src/core/errors.js';
import type { SessionEvent } from '../../src/core/events.js';
import { isWellFormedId, storeKeyOf } from '../../src/core/id.js';
import { createSessions } from '../../src/core/manager.js';
import type { SessionRecord, Store } from '../../src/core/store.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { parseSetCookie } from '../helpers/http.js';

import { cookieOf, MIN, setup } from '../helpers/manager-setup.js';

/** A real MemoryStore that refuses its first creates, as if the ids were taken. */
class RefusingStore extends MemoryStore {
  constructor(private refusals: number) {
    super();
  }
  override create(key: string, record: SessionRecord) {
    if (this.refusals === 0) return super.create(key, record);
    this.refusals--;
    return false;
  }
}

describe('SessionManager', () => {
  it('a cookieless visitor costs nothing until the app stores something', async () => {
    const { store, request } = setup();
    const { result, session } = await request(undefined, (s) => s.get('x'));
    assert.deepEqual(store.calls, []);
    assert.deepEqual(result.cookies, []);
    assert.deepEqual(result.headers, []);
    assert.equal(session.isNew, true);
  });

  it('creates the session with create-only semantics and a safe cookie (SECURITY 7-12, 14)', async () => {
    const { store, request, events } = setup();
    const { result, set, session } = await request(undefined, (s) => s.set('user', 'ada'));
    assert.deepEqual(store.calls, ['create']);
    assert.equal(set.length, 1);
    const [cookie] = set;
    assert.equal(cookie?.name, 'sid');
    assert.equal(cookie?.value, session.id);
    assert.ok(isWellFormedId(cookie?.value));
    assert.equal(cookie?.attributes.httponly, true);
    assert.equal(cookie?.attributes.secure, true);
    assert.equal(cookie?.attributes.samesite, 'Lax');
    assert.equal(cookie?.attributes.path, '/');
    assert.equal(cookie?.attributes.domain, undefined);
    assert.equal(cookie?.attributes['max-age'], undefined, 'browser-session cookie by default');
    assert.deepEqual(result.headers, [['Cache-Control', 'no-store']]);
    assert.equal(events[0]?.type, 'created');
    assert.notEqual(events[0]?.key, session.id, 'events name the hashed key, never the id (SECURITY 31)');
  });

  it('an id the store refuses as taken is replaced by a fresh one; three refusals are a store error', async () => {
    for (const [refusals, ok] of [
      [2, true],
      [3, false],
    ] as const) {
      const store = new RefusingStore(refusals);
      const manager = createSessions({ store, cleanupInterval: false });
      const session = await manager.load({});
      session.set('a', 1);
      if (ok) {
        const { cookies } = await manager.commit(session);
        assert.equal(cookies.length, 1);
        assert.equal(cookies[0]?.split(';')[0], `sid=${session.id}`, 'the cookie carries the id that was stored');
        assert.equal(store.size, 1);
      } else {
        await assert.rejects(manager.commit(session), { code: 'store-unavailable' });
        assert.equal(store.size, 0);
      }
      await manager.close();
    }
  });

  it('stores a hash of the id, never the id (SECURITY 6)', async () => {
    const { store, request } = setup();
    const { session } = await request(undefined, (s) => s.set('a', 1));
    assert.equal(await store.inner.get(session.id), undefined);
    const hashed = createHash('sha256').update(session.id).digest('base64url');
    assert.deepEqual((await store.inner.get(hashed))?.data, { a: 1 });
  });

  it('ids are 256-bit base64url, all different, independent of data (SECURITY 1, 2)', async () => {
    const { request } = setup();
    const ids = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const { session } = await request(undefined, (s) => s.set('same', 'data'));
      assert.match(session.id, /^[A-Za-z0-9_-]{43}$/);
      ids.add(session.id);
    }
    assert.equal(ids.size, 300);
  });

  it('a read-only request costs exactly one store read and sends no cookie', async () => {
    const { store, request } = setup();
    const first = await request(undefined, (s) => s.set('n', 1));
    store.reset();
    const { result, session } = await request(cookieOf(first.set), (s) => assert.equal(s.get('n'), 1));
    assert.deepEqual(store.calls, ['get']);
    assert.deepEqual(result.cookies, []);
    assert.equal(session.isNew, false);
  });

  it('an unknown but well-formed id is never adopted (SECURITY 3)', async () => {
    const { request, events, store } = setup();
    const forged = 'A'.repeat(43);
    const { session, set } = await request(`sid=${forged}`, (s) => s.set('x', 1));
    assert.notEqual(session.id, forged);
    assert.equal(set[0]?.value, session.id);
    assert.equal(events[0]?.type, 'invalid-cookie');
    assert.equal(events[0]?.reason, 'unknown');
    assert.deepEqual(store.calls, ['get', 'create']);
  });

  it('an id in the URL is ignored: ids travel only in the cookie (SECURITY 5)', async () => {
    const { request, manager } = setup();
    const first = await request(undefined, (s) => s.set('user', 'ada'));
    const id = first.session.id;
    for (const url of [`http://localhost/?sid=${id}`, `http://localhost/;sid=${id}`, `http://localhost/#sid=${id}`]) {
      const session = await manager.load(new Request(url));
      assert.equal(session.isNew, true, url);
      assert.notEqual(session.id, id);
    }
  });

  it('a malformed cookie never reaches the store and is cleared (SECURITY 4)', async () => {
    const { request, events, store } = setup();
    // Hashed elsewhere first (the express-session bridge hashes its own ids): still refused.
    await storeKeyOf('short');
    for (const bad of ['short', `${'A'.repeat(42)}!`, 'A'.repeat(44), '../../etc/passwd', "' OR 1=1 --"]) {
      store.reset();
      const { set } = await request(`sid=${bad}`);
      assert.deepEqual(store.calls, [], bad);
      assert.equal(set[0]?.attributes['max-age'], '0', 'the bad cookie is cleared');
    }
    assert.ok(events.every((e) => e.type === 'invalid-cookie' && e.reason === 'malformed'));
  });

  it('writes only the keys a request changed', async () => {
    const { store, request } = setup();
    const first = await request(undefined, (s) => s.set('a', 1).set('b', 2));
    store.reset();
    await request(cookieOf(first.set), (s) => {
      s.set('a', 10);
      s.delete('b');
      s.set('c', 3);
    });
    assert.deepEqual(store.calls, ['get', 'update']);
    const [change] = store.changes;
    assert.deepEqual(
      [...(change?.set ?? [])],
      [
        ['a', 10],
        ['c', 3],
      ],
    );
    assert.deepEqual([...(change?.deleted ?? [])], ['b']);
    assert.equal(change?.cleared, false);
  });

  it('flash messages are read once', async () => {
    const { request } = setup();
    const first = await request(undefined, (s) => s.flash('info', 'saved'));
    const cookie = cookieOf(first.set);
    const second = await request(cookie, (s) => assert.deepEqual(s.flashes('info'), ['saved']));
    assert.deepEqual(second.result.cookies, []);
    await request(cookie, (s) => assert.deepEqual(s.flashes('info'), []));
  });

  it('idle timeout is enforced server-side, and reads keep the session alive (SECURITY 16)', async () => {
    const { request, clock, store, events } = setup({ idleTimeout: 10 * MIN, lifetime: 60 * MIN });
    const first = await request(undefined, (s) => s.set('n', 1));
    const cookie = cookieOf(first.set);
    // A read before a tenth of the idle window costs no write.
    clock.now += 30_000;
    store.reset();
    await request(cookie);
    assert.deepEqual(store.calls, ['get']);
    // Reads every 9 minutes keep it alive for 45 minutes.
    for (let i = 0; i < 5; i++) {
      clock.now += 9 * MIN;
      store.reset();
      const { session } = await request(cookie);
      assert.equal(session.get('n'), 1, `alive after read ${i}`);
      assert.deepEqual(store.calls, ['get', 'touch']);
    }
    clock.now += 10 * MIN;
    const { session } = await request(cookie);
    assert.equal(session.isNew, true);
    assert.equal(session.get('n'), undefined);
    // The store forgot the record itself; the manager sees an id it does not know.
    assert.equal(events.at(-1)?.type, 'invalid-cookie');
  });

  it('writes move the expiry on the same terms as reads: once touchAfter of the idle window has passed', async () => {
    const { request, clock, store } = setup({ idleTimeout: 10 * MIN, lifetime: 60 * MIN });
    const first = await request(undefined, (s) => s.set('n', 1));
    const cookie = cookieOf(first.set);
    const expiresAt = first.session.expiresAt;
    clock.now += 30_000;
    store.reset();
    const early = await request(cookie, (s) => s.set('n', 2));
    assert.deepEqual(store.calls, ['get', 'update']);
    assert.equal(store.changes[0]?.times, false, 'the store may leave the expiry alone');
    assert.equal(early.session.expiresAt, expiresAt);
    clock.now += 9 * MIN;
    store.reset();
    const due = await request(cookie, (s) => s.set('n', 3));
    assert.equal(store.changes[0]?.times, true);
    assert.equal(due.session.expiresAt, clock.now + 10 * MIN);
    assert.equal(due.session.lastSeenAt, clock.now);
    // The store kept both writes' data and the moved expiry.
    clock.now += 9 * MIN;
    const { session } = await request(cookie);
    assert.equal(session.get('n'), 3);
  });

  it('reports expiry when the store still returns an expired record', async () => {
    const clock = { now: 1_000_000 };
    const lagging = new MemoryStore({ now: () => 0 }); // a store whose own expiry lags behind
    const events: SessionEvent[] = [];
    const manager = createSessions({
      store: lagging,
      now: () => clock.now,
      onEvent: (e) => events.push(e),
      idleTimeout: MIN,
      lifetime: 10 * MIN,
      cleanupInterval: false,
    });
    const s = await manager.load();
    s.set('a', 1);
    const cookie = `sid=${parseSetCookie((await manager.commit(s)).cookies[0] ?? '').value}`;
    clock.now += MIN;
    assert.equal((await manager.load(cookie)).isNew, true);
    assert.deepEqual([events.at(-1)?.type, events.at(-1)?.reason], ['expired', 'idle']);
    clock.now += 10 * MIN;
    assert.equal((await manager.load(cookie)).isNew, true);
  });

  it('the absolute lifetime is never extended, by activity or regenerate (SECURITY 17)', async () => {
    const { request, clock, events } = setup({ idleTimeout: 10 * MIN, lifetime: 30 * MIN });
    assert.ok(events);
    const first = await request(undefined, (s) => s.set('n', 1));
    let cookie = cookieOf(first.set);
    const deadline = first.session.deadline;
    for (let i = 0; i < 3; i++) {
      clock.now += 9 * MIN;
      const { session, set } = await request(cookie, (s) => s.regenerate());
      assert.equal(session.deadline, deadline);
      assert.ok(session.expiresAt <= deadline);
      cookie = cookieOf(set);
    }
    clock.now += 4 * MIN; // 31 minutes after creation
    const { session } = await request(cookie);
    assert.equal(session.isNew, true);
    assert.equal(events.at(-1)?.type, 'invalid-cookie');
  });

  it('regenerate gives a new id, keeps the data, and the old id stops working at once (SECURITY 15)', async () => {
    const { request, store, events } = setup();
    const first = await request(undefined, (s) => s.set('cart', [1, 2]));
    const oldCookie = cookieOf(first.set);
    store.reset();
    const second = await request(oldCookie, (s) => {
      s.regenerate();
      s.userId = 'u1';
    });
    assert.deepEqual(store.calls, ['get', 'destroy', 'create']);
    assert.notEqual(second.session.id, first.session.id);
    assert.equal(second.set[0]?.value, second.session.id);
    assert.equal(events.at(-1)?.type, 'regenerated');
    const viaOld = await request(oldCookie);
    assert.equal(viaOld.session.isNew, true);
    const viaNew = await request(cookieOf(second.set));
    assert.deepEqual(viaNew.session.get('cart'), [1, 2]);
    assert.equal(viaNew.session.userId, 'u1');
    assert.equal(viaNew.session.createdAt, first.session.createdAt);
  });

  it('destroy removes the record and clears the cookie; a flash afterwards starts a new session (SECURITY 20)', async () => {
    const { request, store } = setup();
    const first = await request(undefined, (s) => s.set('user', 'ada'));
    const cookie = cookieOf(first.set);
    const out = await request(cookie, (s) => s.destroy());
    assert.equal(out.set[0]?.attributes['max-age'], '0');
    assert.equal(out.set[0]?.value, '');
    assert.equal(await store.inner.count(), 0);
    assert.equal((await request(cookie)).session.isNew, true);

    const withFlash = await request(cookieOf((await request(undefined, (s) => s.set('a', 1))).set), (s) => {
      s.destroy();
      s.flash('info', 'Signed out');
    });
    assert.equal(withFlash.set.length, 1);
    assert.notEqual(withFlash.set[0]?.value, '');
    const next = await request(cookieOf(withFlash.set));
    assert.deepEqual(next.session.flashes('info'), ['Signed out']);
    assert.equal(next.session.get('a'), undefined);
  });

  it('a slow request cannot bring back a session logged out meanwhile (SECURITY 26)', async () => {
    const { manager, request, store, events } = setup();
    const first = await request(undefined, (s) => s.set('user', 'ada'));
    const cookie = cookieOf(first.set);
    const slow = await manager.load({ cookie });
    await request(cookie, (s) => s.destroy()); // logout completes first
    slow.set('cart', ['book']);
    const result = await manager.commit(slow);
    assert.equal(await store.inner.count(), 0, 'nothing was resurrected');
    assert.equal(events.at(-1)?.type, 'revoked');
    assert.deepEqual(result.cookies, [], 'no clearing cookie that could delete a newer login cookie');
    assert.equal(slow.isNew, true);
  });

  it('a request racing a login never clears the new login cookie', async () => {
    const { manager, request } = setup();
    const first = await request(undefined, (s) => s.set('cart', [1]));
    const oldCookie = cookieOf(first.set);
    const beforeLogin = await manager.load({ cookie: oldCookie, host: 'app.example' });
    const login = await request(oldCookie, (s) => s.regenerate());
    assert.equal(login.set.length, 1);
    // Two in-flight requests that still carry the old id: one loaded before the login
    // committed and writes, one loads after it.
    beforeLogin.set('seen', true);
    const racing = await manager.commit(beforeLogin);
    const after = await request(oldCookie, (s) => s.get('cart'));
    assert.deepEqual(racing.cookies, []);
    assert.deepEqual(after.result.cookies, []);
  });

  it('invalid-id events carry the client address, for counting attempts per client (SECURITY 32)', async () => {
    const { manager, events } = setup();
    await manager.load({ cookie: `sid=${'B'.repeat(43)}`, ip: '198.51.100.7' });
    await manager.load({ cookie: 'sid=garbage', ip: '198.51.100.7' });
    assert.deepEqual(
      events.map((e) => [e.type, e.reason, e.ip]),
      [
        ['invalid-cookie', 'unknown', '198.51.100.7'],
        ['invalid-cookie', 'malformed', '198.51.100.7'],
      ],
    );
  });

  it('a slow request cannot bring back the old id after a concurrent regenerate', async () => {
    const { manager, request, store } = setup();
    const first = await request(undefined, (s) => s.set('n', 1));
    const cookie = cookieOf(first.set);
    const slow = await manager.load({ cookie });
    await request(cookie, (s) => s.regenerate());
    slow.regenerate();
    await manager.commit(slow);
    assert.equal(await store.inner.count(), 1, 'only the first regenerate produced a session');
  });

  it('remember-me and gorilla-style maxAge make the cookie persistent, capped by the expiry', async () => {
    const { request, clock } = setup({ lifetime: 60 * MIN, idleTimeout: false });
    const { set } = await request(undefined, (s) => {
      s.set('a', 1);
      s.persist();
    });
    assert.equal(set[0]?.attributes['max-age'], String(60 * 60));
    clock.now += 10 * MIN;
    const turnedOff = await request(cookieOf(set), (s) => s.persist(false));
    assert.equal(turnedOff.set[0]?.attributes['max-age'], undefined);

    const capped = setup({ lifetime: 60 * MIN, idleTimeout: false, cookie: { maxAge: 600 } });
    const c = await capped.request(undefined, (s) => s.set('a', 1));
    assert.equal(c.set[0]?.attributes['max-age'], '600');
  });

  it("cookie.secure 'auto' drops Secure only for plain-http localhost (SECURITY 7)", async () => {
    const { manager } = setup();
    const secureFor = async (context: Parameters<typeof manager.load>[0]) => {
      const s = await manager.load(context);
      s.set('a', 1);
      return parseSetCookie((await manager.commit(s)).cookies[0] ?? '').attributes.secure === true;
    };
    assert.equal(await secureFor({ host: 'localhost:3000' }), false);
    assert.equal(await secureFor({ host: '127.0.0.1:8080' }), false);
    assert.equal(await secureFor({ host: '[::1]:8080' }), false);
    assert.equal(await secureFor({ host: 'localhost:3000', secure: true }), true);
    assert.equal(await secureFor({ host: 'example.com' }), true);
    assert.equal(await secureFor({ host: 'localhost.evil.com' }), true);
    assert.equal(await secureFor('sid=x'), true);
    assert.equal(await secureFor(new Request('http://localhost:3000/')), false);
    assert.equal(await secureFor(new Request('https://example.com/')), true);
  });

  it('a failing store surfaces as a typed error and an event, within the timeout (SECURITY 34)', async () => {
    const { store, manager, request, events } = setup();
    const first = await request(undefined, (s) => s.set('a', 1));
    store.failing = new Error('connection refused');
    await assert.rejects(manager.load({ cookie: cookieOf(first.set) }), (error: unknown) => {
      assert.ok(error instanceof SessionError);
      assert.equal(error.code, 'store-unavailable');
      assert.match(error.message, /connection refused/);
      return true;
    });
    assert.equal(events.at(-1)?.type, 'store-error');

    const hanging: Store = {
      get: () => new Promise(() => {}),
      create: () => new Promise(() => {}),
      update: () => new Promise(() => {}),
      touch: () => new Promise(() => {}),
      destroy: () => new Promise(() => {}),
    };
    const slow = createSessions({ store: hanging, storeTimeout: 100, cleanupInterval: false });
    const started = Date.now();
    await assert.rejects(slow.load(cookieOf(first.set)), { code: 'store-timeout' });
    assert.ok(Date.now() - started < 1000);
  });

  it('adds no timer around stores that bound their own latency', async () => {
    const own = new SessionError('store-timeout', 'own timeout', { details: { from: 'store' } });
    const selfTimed: Store = {
      boundsLatency: true,
      get: () => new Promise((_, reject) => setTimeout(() => reject(own), 80)),
      create: async () => true,
      update: async () => true,
      touch: async () => true,
      destroy: async () => true,
    };
    const manager = createSessions({ store: selfTimed, storeTimeout: 10, cleanupInterval: false });
    await assert.rejects(manager.load(`sid=${'A'.repeat(43)}`), (error: unknown) => error === own);
  });

  it('set() refuses values the codec cannot keep, at the call site', async () => {
    const { manager } = setup();
    const s = await manager.load();
    assert.throws(() => s.set('when', new Date() as never), { code: 'unserializable-value', message: /when.*Date/ });
    assert.equal(s.has('when'), false);
  });

  it("lists and ends a user's sessions, optionally keeping the current one (SECURITY 22, 23)", async () => {
    const { manager, request } = setup();
    const phone = await request(undefined, (s) => (s.userId = 'u1'));
    const laptop = await request(undefined, (s) => (s.userId = 'u1'));
    await request(undefined, (s) => (s.userId = 'u2'));
    assert.equal((await manager.listByUser('u1')).length, 2);
    const current = await manager.load({ cookie: cookieOf(laptop.set) });
    assert.equal(await manager.destroyByUser('u1', current), 1);
    assert.equal((await request(cookieOf(phone.set))).session.isNew, true);
    assert.equal((await request(cookieOf(laptop.set))).session.userId, 'u1');
  });

  it('close() stops the cleanup timer and closes the store', async () => {
    const store = new MemoryStore();
    let pruned = 0;
    const original = store.prune.bind(store);
    store.prune = async () => {
      pruned++;
      return original();
    };
    const manager = createSessions({ store, cleanupInterval: 20 });
    await new Promise((r) => setTimeout(r, 70));
    await manager.close();
    const seen = pruned;
    assert.ok(seen >= 1);
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(pruned, seen);
  });
});
