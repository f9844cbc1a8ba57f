/** Periodic id renewal with a grace window (the `renewal` option; SECURITY 18). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SessionError } from '../../src/core/errors.js';
import { createSessions } from '../../src/core/manager.js';
import { RETIRED_KEY } from '../../src/core/renewal.js';
import { CookieStore, generateKey } from '../../src/stores/cookie.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { SqliteStore } from '../../src/stores/sqlite.js';
import { createMetrics } from '../../src/metrics/index.js';
import type { Store } from '../../src/core/store.js';
import { cookieOf, MIN, setup } from '../helpers/manager-setup.js';

const renewal = { every: 15 * MIN, grace: 30_000 };

/** A logged-in session on a manager with renewal, and the cookie of it. */
async function loggedIn(options = {}) {
  const env = setup({ renewal, ...options });
  const first = await env.request(undefined, (s) => {
    s.set('cart', 1);
    s.userId = 'ada';
  });
  return { ...env, cookie: cookieOf(first.set)!, firstId: first.session.id, createdAt: first.session.createdAt };
}

describe('periodic id renewal (renewal option, SECURITY 18)', () => {
  it('keeps the id within a period: no new record and no cookie', async () => {
    const { clock, store, request, cookie, firstId } = await loggedIn();
    store.reset();
    for (const step of [MIN, 4 * MIN, 9 * MIN]) {
      clock.now += step;
      const { session, result } = await request(cookie);
      assert.equal(session.id, firstId);
      assert.deepEqual(result.cookies, []);
    }
    assert.equal(store.callCount('create'), 0);
    assert.equal(store.callCount('update'), 0);
  });

  it('renews the id on the first request of the next period, keeping data, user, creation and deadline', async () => {
    const { clock, request, cookie, firstId, createdAt, events, manager } = await loggedIn();
    clock.now += 15 * MIN + 1;
    const { session, set } = await request(cookie);
    assert.notEqual(session.id, firstId);
    assert.equal(set.length, 1);
    assert.equal(set[0]!.value, session.id);
    assert.equal(session.get('cart'), 1);
    assert.equal(session.userId, 'ada');
    assert.equal(session.createdAt, createdAt);
    assert.equal(session.deadline, createdAt + 12 * 60 * MIN);
    assert.ok(events.some((e) => e.type === 'regenerated' && e.reason === 'renewal'));
    // The user's session list shows the new record only, not the retired one.
    assert.deepEqual(
      (await manager.listByUser('ada')).map((s) => s.key),
      [manager.keyOf(session)],
    );
    // The next request with the new id, in the same period: nothing renewed.
    clock.now += MIN;
    const next = await request(cookieOf(set));
    assert.equal(next.session.id, session.id);
    assert.deepEqual(next.result.cookies, []);
  });

  it('lets the old id reach the session during the grace window: same data, no cookie, writes land in the new record', async () => {
    const { clock, request, cookie } = await loggedIn();
    clock.now += 15 * MIN + 1;
    // Remember-me: every write then re-issues the cookie, except through a retired id.
    const renewed = await request(cookie, (s) => s.persist());
    const newCookie = cookieOf(renewed.set);
    clock.now += 10_000;
    const late = await request(cookie, (s) => s.set('cart', 2));
    assert.equal(late.session.get('cart'), 2);
    assert.deepEqual(late.result.cookies, [], 'no cookie: it would overwrite the newer id in the browser');
    assert.equal(late.session.isNew, false);
    const after = await request(newCookie);
    assert.equal(after.session.get('cart'), 2, 'the late request wrote to the renewed session');
  });

  it('refuses the old id after the grace window, without clearing the cookie', async () => {
    const { clock, request, cookie, events } = await loggedIn();
    clock.now += 15 * MIN + 1;
    const renewed = await request(cookie);
    clock.now += 30_000;
    const late = await request(cookie);
    assert.equal(late.session.isNew, true);
    assert.equal(late.session.get('cart'), undefined);
    assert.deepEqual(late.result.cookies, []);
    // Whether the store has forgotten the retired record yet (unknown) or not (renewed).
    assert.ok(events.some((e) => e.type === 'invalid-cookie' && (e.reason === 'unknown' || e.reason === 'renewed')));
    // The new id is unaffected.
    assert.equal((await request(cookieOf(renewed.set))).session.get('cart'), 1);
  });

  it('a request that loaded before the renewal cannot keep the old id alive past the grace window', async () => {
    const { clock, request, cookie, manager, events } = await loggedIn();
    clock.now += 15 * MIN - 1;
    const early = await manager.load({ cookie, host: 'app.example' });
    clock.now += 2;
    const renewed = await request(cookie);
    assert.equal(renewed.set.length, 1);
    // The early request commits after the renewal, with a touch that slides the old record's expiry.
    early.touch();
    await manager.commit(early);
    clock.now += 60_000;
    const late = await request(cookie);
    assert.equal(late.session.isNew, true, 'the old id is refused although its record lives on');
    assert.ok(events.some((e) => e.type === 'invalid-cookie' && e.reason === 'renewed'));
    assert.equal((await request(cookieOf(renewed.set))).session.get('cart'), 1);
  });

  it('renews once after a long pause, then again in each later period', async () => {
    const { clock, request, cookie } = await loggedIn({ idleTimeout: 60 * MIN });
    clock.now += 40 * MIN; // periods 1 and 2 passed without a request
    const a = await request(cookie);
    assert.equal(a.set.length, 1);
    clock.now += 4 * MIN; // 44 min: still period 2
    const b = await request(cookieOf(a.set));
    assert.deepEqual(b.result.cookies, []);
    clock.now += 2 * MIN; // 46 min: period 3
    const c = await request(cookieOf(a.set));
    assert.equal(c.set.length, 1);
    assert.notEqual(c.session.id, a.session.id);
  });

  it('a login on a renewing request ends the old id at once (no grace for regenerate())', async () => {
    const { clock, request, cookie } = await loggedIn();
    clock.now += 15 * MIN + 1;
    const login = await request(cookie, (s) => s.regenerate());
    assert.equal(login.set.length, 1);
    clock.now += 1_000;
    const old = await request(cookie);
    assert.equal(old.session.isNew, true);
    assert.equal((await request(cookieOf(login.set))).session.get('cart'), 1);
  });

  it('a logout with the new id also ends the old one inside its grace window', async () => {
    const { clock, request, cookie } = await loggedIn();
    clock.now += 15 * MIN + 1;
    const renewed = await request(cookie);
    await request(cookieOf(renewed.set), (s) => s.destroy());
    const old = await request(cookie);
    assert.equal(old.session.isNew, true);
    assert.equal(old.session.get('cart'), undefined);
  });

  it('a logout that lands between load and commit wins: nothing is renewed or issued', async () => {
    const { clock, request, cookie, manager, store } = await loggedIn();
    clock.now += 15 * MIN + 1;
    const renewing = await manager.load({ cookie, host: 'app.example' });
    await request(cookie, (s) => s.destroy());
    const result = await manager.commit(renewing);
    assert.deepEqual(result.cookies, []);
    assert.equal(renewing.isNew, true);
    assert.deepEqual(await manager.listByUser('ada'), []);
    // Claim, new record, retire (refused), and the new record removed again.
    assert.deepEqual(store.calls.slice(-4), ['create', 'create', 'update', 'destroy']);
    assert.equal(store.inner.size, 1, 'only the short-lived renewal claim is left');
  });

  it('requests that reach a period boundary together renew once: one new id, no second copy', async () => {
    const { clock, request, cookie, manager } = await loggedIn();
    clock.now += 15 * MIN + 1;
    const sessions = await Promise.all([1, 2, 3].map(() => manager.load({ cookie, host: 'app.example' })));
    sessions[2]!.set('seen', true);
    const results = await Promise.all(sessions.map((s) => manager.commit(s)));
    const issued = results.flatMap((r) => r.cookies);
    assert.equal(issued.length, 1, 'exactly one response carries a new id');
    const listed = await manager.listByUser('ada');
    assert.equal(listed.length, 1, 'no second copy of the session');
    const renewed = await request(`sid=${issued[0]!.split(';')[0]!.split('=')[1]}`);
    assert.equal(renewed.session.get('cart'), 1);
  });

  it('a renewal whose retire fails leaves the old id working and no copy behind, and renews in a later period', async () => {
    const { clock, request, cookie, firstId, manager, store } = await loggedIn();
    clock.now += 15 * MIN + 1;
    store.failing = new Error('connection reset (on purpose)');
    store.failingOnly = 'update';
    await assert.rejects(request(cookie), SessionError);
    store.failing = undefined;
    assert.equal((await manager.listByUser('ada')).length, 1, 'the new record was removed again');
    // Within the claim's life nobody renews; the old id works as before.
    clock.now += 1_000;
    const during = await request(cookie);
    assert.equal(during.session.id, firstId);
    assert.deepEqual(during.result.cookies, []);
    // That request wrote a new expiry (and last-seen time), so this period's renewal is
    // given up; the next period's goes through.
    clock.now += 15 * MIN;
    const later = await request(cookie);
    assert.equal(later.set.length, 1);
    assert.equal(later.session.get('cart'), 1);
  });

  it('does not follow a retired record whose forward is unreadable', async () => {
    const { clock, request, cookie, manager, store } = await loggedIn();
    const { key } = (await manager.listByUser('ada'))[0]!;
    const now = clock.now;
    await store.update(
      key,
      {
        data: { [RETIRED_KEY]: { to: '../other', until: now + MIN } },
        createdAt: now,
        lastSeenAt: now,
        expiresAt: now + MIN,
        deadline: now + MIN,
      },
      { cleared: true, set: new Map(), deleted: new Set(), flash: true },
    );
    const { session } = await request(cookie);
    assert.equal(session.isNew, true);
  });

  it('with grace 0 the old id ends with the renewal', async () => {
    const { clock, request, cookie } = await loggedIn({ renewal: { every: 15 * MIN, grace: 0 } });
    clock.now += 15 * MIN + 1;
    const renewed = await request(cookie);
    assert.equal(renewed.set.length, 1);
    assert.equal((await request(cookie)).session.isNew, true);
  });

  it('does not renew bearer sessions (the client could not learn the new token)', async () => {
    const env = setup({ renewal, transport: 'bearer' });
    const first = await env.manager.load({});
    first.set('a', 1);
    const token = await env.manager.issueToken(first);
    env.clock.now += 20 * MIN;
    const later = await env.manager.load({ authorization: `Bearer ${token}` });
    assert.equal(later.id, first.id);
    const result = await env.manager.commit(later);
    assert.equal(result.token, undefined);
  });

  it('reserves its data key', async () => {
    const { request } = await loggedIn();
    await assert.rejects(
      request(undefined, (s) => s.set(RETIRED_KEY as never, 1 as never)),
      /reserved/,
    );
  });

  it('validates the option at start-up, with messages that say what to change', () => {
    const store = new MemoryStore();
    const bad = (renewalOption: unknown, pattern: RegExp) =>
      assert.throws(
        () => createSessions({ store, cleanupInterval: false, renewal: renewalOption as never }),
        (e: unknown) => e instanceof SessionError && e.code === 'invalid-option' && pattern.test(e.message),
      );
    bad({ every: 0 }, /renewal\.every must be a positive number/);
    bad({ every: 13 * 60 * MIN }, /renewal\.every .* not shorter than lifetime/);
    bad({ every: MIN, grace: MIN }, /renewal\.grace .* shorter than renewal\.every/);
    bad({ every: MIN, grace: -1 }, /renewal\.grace must be zero or a positive/);
    bad('15m', /renewal must be \{ every, grace \}/);
    assert.throws(
      () => createSessions({ store: new CookieStore({ keys: [generateKey()] }), renewal }),
      /renewal needs a server-side store/,
    );
    createSessions({ store, cleanupInterval: false, renewal: false });
  });

  it('is refused with a store that caps sessions per user itself (it would count a renewed session twice)', () => {
    const capped = new SqliteStore({ path: ':memory:', maxSessionsPerUser: 3 });
    const refused = (target: Store) =>
      assert.throws(
        () => createSessions({ store: target, cleanupInterval: false, renewal }),
        /renewal cannot be combined with the store's maxSessionsPerUser.*createAuth/,
      );
    refused(capped);
    refused(createMetrics().instrument(capped));
    createSessions({ store: new SqliteStore({ path: ':memory:' }), cleanupInterval: false, renewal });
  });
});
