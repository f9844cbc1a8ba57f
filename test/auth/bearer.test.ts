import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { verifyCsrf } from '../../src/auth/index.js';
import { createSessions } from '../../src/core/manager.js';
import { generateKey } from '../../src/core/keyring.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { CookieStore } from '../../src/stores/cookie.js';
import { setup } from './helpers.js';

describe('bearer token transport (core hook)', () => {
  it("'bearer': login returns a token instead of a cookie, and the token carries the session", async () => {
    const env = setup({ session: { transport: 'bearer' } });
    const session = await env.manager.load({ host: '127.0.0.1' });
    await env.auth.login(session, 'u1');
    const token = await env.manager.issueToken(session);
    const result = await env.manager.commit(session);
    assert.deepEqual(result.cookies, [], 'no cookie for bearer sessions');
    const next = await env.request({ authorization: `Bearer ${token}` }, (s) => s.set('seen', true));
    assert.equal(next.session.userId, 'u1');
    assert.equal(next.session.transport, 'bearer');
    assert.deepEqual(next.result.cookies, []);
    assert.equal(next.result.token, undefined, 'no new token when the id did not change');
    // A cookie with the same id is ignored in bearer mode (5).
    const viaCookie = await env.request(token);
    assert.equal(viaCookie.session.userId, undefined);
  });

  it('the commit that creates or renews a bearer session returns the token, and logout revokes it', async () => {
    const env = setup({ session: { transport: 'bearer' } });
    const created = await env.request({}, (s) => s.set('a', 1));
    assert.ok(created.result.token);
    assert.deepEqual(created.result.headers, [['Cache-Control', 'no-store']]);
    const renewed = await env.request({ authorization: `Bearer ${created.result.token}` }, (s) =>
      env.auth.login(s, 'u1'),
    );
    assert.ok(renewed.result.token && renewed.result.token !== created.result.token);
    assert.equal(
      (await env.request({ authorization: `Bearer ${created.result.token}` })).session.isNew,
      true,
      'old token dead',
    );
    const out = await env.request({ authorization: `Bearer ${renewed.result.token}` }, (s) => env.auth.logout(s));
    assert.equal(out.result.tokenRevoked, true);
    assert.deepEqual(out.result.cookies, []);
    assert.equal((await env.request({ authorization: `Bearer ${renewed.result.token}` })).session.userId, undefined);
  });

  it("'both': a bearer header wins, anything else uses the cookie; CSRF is not needed for bearer", async () => {
    const env = setup({ session: { transport: 'both' } });
    const browser = await env.request(undefined, (s) => env.auth.login(s, 'browser'));
    assert.ok(browser.cookie, 'cookie clients still get cookies');
    const apiLogin = await env.manager.load({ host: '127.0.0.1' });
    await env.auth.login(apiLogin, 'api');
    const token = await env.manager.issueToken(apiLogin);
    const api = await env.request({ authorization: `Bearer ${token}`, cookie: `sid=${browser.cookie}` }, (s) =>
      verifyCsrf(s, 'POST', undefined),
    );
    assert.equal(api.session.userId, 'api');
    assert.equal(api.value, true);
    const cookie = await env.request(browser.cookie, (s) => verifyCsrf(s, 'POST', undefined));
    assert.equal(cookie.session.userId, 'browser');
    assert.equal(cookie.value, false);
  });

  it("'cookie' (default) ignores Authorization headers entirely", async () => {
    const env = setup();
    const login = await env.request(undefined, (s) => env.auth.login(s, 'u1'));
    const r = await env.request({ authorization: `Bearer ${login.cookie}` });
    assert.equal(r.session.userId, undefined);
    assert.equal(r.session.transport, 'cookie');
    await assert.rejects(env.manager.issueToken(r.session), /transport/);
  });

  it('garbage, forged and unknown bearer tokens give a fresh session and an invalid-cookie event (3, 4)', async () => {
    const env = setup({ session: { transport: 'bearer', keys: generateKey() } });
    for (const authorization of [
      'Bearer',
      'Bearer !!!',
      `Bearer ${'a'.repeat(43)}`,
      'Basic dXNlcjpwYXNz',
      `Bearer ${'x'.repeat(600)}`,
    ]) {
      const r = await env.request({ authorization });
      assert.equal(r.session.isNew, true, authorization);
    }
    assert.ok(env.events.filter((e) => e.type === 'invalid-cookie').length >= 1);
    // With keys, the token is the signed id and verifies.
    const s = await env.manager.load({});
    s.set('k', 1);
    const token = await env.manager.issueToken(s);
    assert.match(token, /\./);
    assert.equal(
      (await env.request({ authorization: `bearer ${token}` })).session.get('k'),
      1,
      'scheme is case-insensitive',
    );
  });

  it('reads the header from a Fetch API Request too (sessionkit/web)', async () => {
    const env = setup({ session: { transport: 'bearer' } });
    const created = await env.request({}, (s) => s.set('k', 'v'));
    const request = new Request('https://api.example/me', {
      headers: { authorization: `Bearer ${created.result.token}` },
    });
    const session = await env.manager.load(request);
    assert.equal(session.get('k'), 'v');
    assert.equal(session.transport, 'bearer');
  });

  it('refuses bearer transport with a cookie store, and an unknown transport', () => {
    assert.throws(() => createSessions({ store: new MemoryStore(), transport: 'header' as 'bearer' }), /transport/);
    assert.throws(
      () => createSessions({ store: new CookieStore({ keys: generateKey() }), transport: 'bearer' }),
      /transport/,
    );
  });
});
