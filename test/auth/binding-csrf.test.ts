import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { clientOfRequest, csrfField, csrfToken, verifyCsrf } from '../../src/auth/index.js';
import { listen } from '../helpers/http.js';
import { setup } from './helpers.js';

describe('auth: binding to user agent and IP (33)', () => {
  it("policy 'reject' ends a session used from another user agent", async () => {
    const env = setup({ auth: { binding: { userAgent: true } } });
    const login = await env.request({ userAgent: 'UA-1' }, (s) => env.auth.login(s, 'u1'));
    const same = await env.request({ cookie: `sid=${login.cookie}`, userAgent: 'UA-1' }, (s) =>
      env.auth.checkBinding(s, { userAgent: 'UA-1' }),
    );
    assert.deepEqual(same.value, { ok: true });
    const stolen = await env.request({ cookie: `sid=${login.cookie}`, userAgent: 'UA-2' }, (s) =>
      env.auth.checkBinding(s, { userAgent: 'UA-2' }),
    );
    assert.deepEqual(stolen.value, { ok: false, reason: 'user-agent' });
    assert.equal(stolen.cleared, true);
    assert.equal((await env.request(login.cookie)).session.userId, undefined, 'the session is gone for everyone');
    assert.ok(env.authEvents.some((e) => e.type === 'binding-mismatch' && e.action === 'rejected'));
  });

  it("policy 'flag' keeps the session, marks it once and emits one event", async () => {
    const env = setup({ auth: { binding: { ip: true, policy: 'flag' } } });
    const login = await env.request({ ip: '10.0.0.1' }, (s) => env.auth.login(s, 'u1', { client: { ip: '10.0.0.1' } }));
    const moved = { cookie: `sid=${login.cookie}` };
    const first = await env.request(moved, (s) => env.auth.checkBinding(s, { ip: '10.9.9.9' }));
    assert.deepEqual(first.value, { ok: true, flagged: 'ip' });
    const second = await env.request(moved, (s) => env.auth.checkBinding(s, { ip: '10.9.9.9' }));
    assert.deepEqual(second.value, { ok: true, flagged: 'ip' });
    assert.equal((await env.request(login.cookie)).session.userId, 'u1');
    assert.equal(env.authEvents.filter((e) => e.type === 'binding-mismatch').length, 1);
  });

  it('X-Forwarded-For is ignored unless proxies are trusted (real node:http requests)', async () => {
    let seen: ReturnType<typeof clientOfRequest>[] = [];
    let trust: Parameters<typeof clientOfRequest>[1] = false;
    const server = await listen((req: IncomingMessage, res) => {
      seen.push(clientOfRequest(req, trust));
      res.end();
    });
    try {
      const headers = { 'x-forwarded-for': '203.0.113.7', 'user-agent': 'test-agent' };
      await fetch(server.url, { headers });
      assert.equal(seen[0]?.ip, '127.0.0.1', 'a spoofed header does not change the address by default');
      assert.equal(seen[0]?.userAgent, 'test-agent');
      trust = 1;
      seen = [];
      await fetch(server.url, { headers });
      assert.equal(seen[0]?.ip, '203.0.113.7', 'one trusted proxy hop is believed');
    } finally {
      await server.close();
    }
  });
});

describe('auth: CSRF synchronizer token', () => {
  it('safe methods pass; unsafe ones need the session token, compared exactly', async () => {
    const env = setup();
    const first = await env.request(undefined, (s) => csrfToken(s));
    const token = first.value as string;
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    const check = (method: string, submitted: string | undefined) =>
      env.request(first.cookie, (s) => verifyCsrf(s, method, submitted)).then((r) => r.value);
    assert.equal(await check('GET', undefined), true);
    assert.equal(await check('HEAD', undefined), true);
    assert.equal(await check('POST', token), true);
    assert.equal(await check('DELETE', token), true);
    assert.equal(await check('POST', undefined), false);
    assert.equal(await check('POST', ''), false);
    assert.equal(
      await check('POST', `${token.slice(0, -1)}A` === token ? `${token.slice(0, -1)}B` : `${token.slice(0, -1)}A`),
      false,
    );
    assert.equal(await check('PUT', token.slice(1)), false);
    // Another session's token is worthless here.
    const other = await env.request(undefined, (s) => csrfToken(s));
    assert.equal(await check('POST', other.value as string), false);
    // The token is stable within a session and embedded by csrfField.
    const field = await env.request(first.cookie, (s) => csrfField(s));
    assert.equal(field.value, `<input type="hidden" name="_csrf" value="${token}">`);
  });

  it('a session without a token rejects every unsafe request', async () => {
    const env = setup();
    const r = await env.request(undefined, (s) => verifyCsrf(s, 'POST', 'anything'));
    assert.equal(r.value, false);
  });
});
