import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AuthError,
  authenticatedAt,
  isAuthError,
  markReauthenticated,
  requireRecentAuth,
} from '../../src/auth/index.js';
import { setup } from './helpers.js';

const MIN = 60_000;

describe('auth: login and logout', () => {
  it('login renews the id, keeps the data, binds the user and the old id stops working at once (15)', async () => {
    const { request, auth, store } = setup();
    const first = await request(undefined, (s) => s.set('cart', ['book']));
    assert.ok(first.cookie);
    const login = await request(first.cookie, (s) => auth.login(s, 'u1'));
    assert.ok(login.cookie);
    assert.notEqual(login.cookie, first.cookie);
    const after = await request(login.cookie);
    assert.equal(after.session.userId, 'u1');
    assert.deepEqual(after.session.get('cart'), ['book']);
    assert.equal(typeof authenticatedAt(after.session), 'number');
    // The pre-login id is dead server-side: it yields a new, empty session.
    const stale = await request(first.cookie);
    assert.equal(stale.session.isNew, true);
    assert.equal(stale.session.userId, undefined);
    assert.equal((await store.listByUser?.('u1'))?.length, 1);
  });

  it('a different user signing in on the same browser gets none of the previous data', async () => {
    const { request, auth } = setup();
    const a = await request(undefined, (s) => auth.login(s, 'alice').then(() => s.set('secret', 'a')));
    const b = await request(a.cookie, (s) => auth.login(s, { id: 'bob' }));
    const after = await request(b.cookie);
    assert.equal(after.session.userId, 'bob');
    assert.equal(after.session.get('secret'), undefined);
  });

  it('the cookie is a browser-session cookie unless remember-me is ticked (12)', async () => {
    const { request, auth } = setup();
    const plain = await request(undefined, (s) => auth.login(s, 'u1'));
    assert.equal(plain.set[0]?.attributes['max-age'], undefined);
    assert.equal(plain.set[0]?.attributes.expires, undefined);
    const remembered = await request(undefined, (s) => auth.login(s, 'u1', { rememberMe: true }));
    const maxAge = Number(remembered.set[0]?.attributes['max-age']);
    assert.ok(maxAge > 0 && maxAge <= 30 * 60, `max-age ${maxAge} is bounded by the session's expiry`);
  });

  it('remember-me never outlives the absolute lifetime (17)', async () => {
    const { request, auth, clock } = setup({ session: { lifetime: 60 * MIN, idleTimeout: false } });
    const login = await request(undefined, (s) => auth.login(s, 'u1', { rememberMe: true }));
    assert.equal(login.set[0]?.attributes['max-age'], String(60 * 60));
    clock.now += 59 * MIN;
    assert.equal((await request(login.cookie, (s) => s.set('x', 1))).session.userId, 'u1');
    clock.now += 2 * MIN;
    assert.equal((await request(login.cookie)).session.userId, undefined);
  });

  it('logout removes the record and clears the cookie (20)', async () => {
    const { request, auth, authEvents } = setup();
    const login = await request(undefined, (s) => auth.login(s, 'u1'));
    const out = await request(login.cookie, (s) => auth.logout(s));
    assert.equal(out.cleared, true);
    assert.equal(out.set[0]?.attributes['max-age'], '0');
    assert.equal((await request(login.cookie)).session.userId, undefined);
    assert.deepEqual(
      authEvents.map((e) => e.type),
      ['login', 'logout'],
    );
    assert.ok(
      authEvents.every((e) => !JSON.stringify(e).includes(login.cookie as string)),
      'events never carry the id',
    );
  });

  it('login rotates the CSRF token', async () => {
    const { request, auth } = setup();
    const anon = await request(undefined, (s) => s.set('_csrf', 'x'.repeat(43)));
    const login = await request(anon.cookie, (s) => auth.login(s, 'u1'));
    assert.equal((await request(login.cookie)).session.get('_csrf'), undefined);
  });

  it('rejects bad input and bad options with clear messages', async () => {
    const { request, auth, manager } = setup();
    await assert.rejects(
      request(undefined, (s) => auth.login(s, '')),
      TypeError,
    );
    const { createAuth } = await import('../../src/auth/index.js');
    assert.throws(() => createAuth(manager, { maxSessionsPerUser: -1 }), /maxSessionsPerUser/);
    assert.throws(() => createAuth(manager, { binding: { policy: 'ignore' as 'flag' } }), /binding.policy/);
  });
});

describe('auth: requireRecentAuth (25)', () => {
  it('passes right after login, demands re-authentication later, and accepts a fresh check', async () => {
    const { request, auth, clock } = setup();
    const login = await request(undefined, (s) => auth.login(s, 'u1'));
    const now = () => clock.now;
    await request(login.cookie, (s) => requireRecentAuth(s, 5 * MIN, now()));
    clock.now += 6 * MIN;
    const late = await request(login.cookie, (s) => {
      try {
        requireRecentAuth(s, 5 * MIN, now());
        return 'passed';
      } catch (error) {
        return error;
      }
    });
    assert.ok(isAuthError(late.value, 'reauth-required'));
    await request(login.cookie, (s) => markReauthenticated(s, now()));
    await request(login.cookie, (s) => requireRecentAuth(s, 5 * MIN, now()));
  });

  it('an anonymous session is not authenticated at all', async () => {
    const { request } = setup();
    await request(undefined, (s) => {
      assert.throws(
        () => requireRecentAuth(s, MIN),
        (e: unknown) => e instanceof AuthError && e.code === 'not-authenticated',
      );
    });
  });
});
