/**
 * Two demo processes pointed at the same Redis share sessions: log in on one, be signed in
 * on the other; log out on the other, be signed out on the first. Real processes, real Redis.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateKey } from '../../src/core/keyring.js';
import { CookieClient } from '../helpers/http.js';
import { csrfOf, type DemoProcess, spawnDemo } from './helpers.js';

const REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/9';

describe('demo: two instances share one Redis', () => {
  let a: DemoProcess;
  let b: DemoProcess;
  before(async () => {
    const env = { SESSION_STORE: REDIS, SESSION_KEYS: generateKey() };
    [a, b] = await Promise.all([spawnDemo(env), spawnDemo(env)]);
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('a login on instance A is a login on instance B, and a logout on B ends it on A', async () => {
    assert.notEqual(a.url, b.url);
    const onA = new CookieClient(a.url);
    const token = csrfOf(await onA.text('/login'));
    const login = await onA.fetch('/login', {
      method: 'POST',
      body: new URLSearchParams({ _csrf: token, username: 'alice', password: 'wonderland-2026', next: '/' }),
    });
    assert.equal(login.status, 303);
    assert.match(await onA.text('/'), /Hello, Alice Liddell!/);

    // The same cookie, sent to the other process.
    const onB = new CookieClient(b.url);
    onB.jar.set('sid', { value: onA.get('sid') as string, attributes: {} });
    const home = await onB.fetch('/');
    assert.equal(home.status, 200);
    assert.match(await home.text(), /Hello, Alice Liddell!/);
    const devices = await onB.text('/devices');
    assert.match(devices, /this device/);

    const logout = await onB.fetch('/logout', {
      method: 'POST',
      body: new URLSearchParams({ _csrf: csrfOf(devices) }),
    });
    assert.equal(logout.status, 303);
    const again = await onA.fetch('/');
    assert.equal(again.status, 303, 'signed out on A too');
    assert.match(again.headers.get('location') ?? '', /^\/login/);
    assert.match(a.output(), /sessions: redis:\/\/127\.0\.0\.1:6379/);
  });
});
