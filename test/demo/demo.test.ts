import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../examples/demo/config.js';
import { CookieClient } from '../helpers/http.js';
import { csrfOf, spawnDemo, startDemo, testConfig } from './helpers.js';

let demo: Awaited<ReturnType<typeof startDemo>>['demo'];
let url: string;

before(async () => {
  ({ demo, url } = await startDemo());
});
after(() => demo.close());

async function signIn(username: string, password: string, remember = false) {
  const browser = new CookieClient(url);
  const token = csrfOf(await browser.text('/login'));
  const form = new URLSearchParams({ _csrf: token, username, password, next: '/' });
  if (remember) form.set('remember', '1');
  const response = await browser.fetch('/login', { method: 'POST', body: form });
  return { browser, response };
}

describe('demo: pages', () => {
  it('a private page sends a visitor to the login page', async () => {
    const response = await fetch(`${url}/profile`, { redirect: 'manual' });
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), '/login?next=%2Fprofile');
    assert.equal(response.headers.get('cache-control'), 'no-store');
  });

  it('a wrong password shows a flash on the login page, once', async () => {
    const { browser, response } = await signIn('alice', 'wrong');
    assert.equal(response.status, 303);
    assert.match(response.headers.get('location') ?? '', /^\/login/);
    const page = await browser.text('/login');
    assert.match(page, /Wrong username or password\./);
    assert.doesNotMatch(await browser.text('/login'), /Wrong username/);
  });

  it('signs in, greets the user, renews the session id and shows the admin page only to admins', async () => {
    const browser = new CookieClient(url);
    const token = csrfOf(await browser.text('/login'));
    const before = browser.get('sid');
    const response = await browser.fetch('/login', {
      method: 'POST',
      body: new URLSearchParams({ _csrf: token, username: 'alice', password: 'wonderland-2026', next: '/' }),
    });
    assert.equal(response.status, 303);
    assert.notEqual(browser.get('sid'), before, 'new id on login');
    assert.match(await browser.text('/'), /Hello, Alice Liddell!/);
    assert.equal((await browser.fetch('/admin')).status, 200);
    const bob = await signIn('bob', 'builder-2026');
    const forbidden = await bob.browser.fetch('/admin');
    assert.equal(forbidden.status, 403);
    assert.doesNotMatch(await forbidden.text(), /Active sessions/);
  });

  it("refuses a form post without the CSRF token (and with another session's token)", async () => {
    const { browser } = await signIn('bob', 'builder-2026');
    const missing = await browser.fetch('/profile', {
      method: 'POST',
      body: new URLSearchParams({ name: 'X', email: 'x@example.com' }),
    });
    assert.equal(missing.status, 403);
    const other = new CookieClient(url);
    const foreign = csrfOf(await other.text('/login'));
    const wrong = await browser.fetch('/profile', {
      method: 'POST',
      body: new URLSearchParams({ _csrf: foreign, name: 'X', email: 'x@example.com' }),
    });
    assert.equal(wrong.status, 403);
    const login = await fetch(`${url}/login`, {
      method: 'POST',
      body: new URLSearchParams({ username: 'alice', password: 'wonderland-2026' }),
      redirect: 'manual',
    });
    assert.equal(login.status, 403, 'login CSRF: a cross-site login form is refused too');
  });

  it('never redirects off-site after login (next=//evil)', async () => {
    for (const next of ['//evil.example/', 'https://evil.example/', '/\\evil.example']) {
      const browser = new CookieClient(url);
      const token = csrfOf(await browser.text('/login'));
      const response = await browser.fetch('/login', {
        method: 'POST',
        body: new URLSearchParams({ _csrf: token, username: 'bob', password: 'builder-2026', next }),
      });
      assert.equal(response.headers.get('location'), '/', next);
    }
  });

  it('validates the profile form and reports errors as flashes', async () => {
    const { browser } = await signIn('bob', 'builder-2026');
    const token = csrfOf(await browser.text('/profile'));
    await browser.fetch('/profile', {
      method: 'POST',
      body: new URLSearchParams({ _csrf: token, name: '', email: 'nope' }),
    });
    const page = await browser.text('/profile');
    assert.match(page, /Name must be 1 to 60 characters\./);
    assert.match(page, /Email must look like/);
    await browser.fetch('/profile', {
      method: 'POST',
      body: new URLSearchParams({ _csrf: token, name: 'Robert <b>', email: 'rob@example.com' }),
    });
    assert.match(await browser.text('/profile'), /angle brackets/);
    await browser.fetch('/profile', {
      method: 'POST',
      body: new URLSearchParams({ _csrf: token, name: 'Robert', email: 'rob@example.com' }),
    });
    const saved = await browser.text('/profile');
    assert.match(saved, /Profile saved\./);
    assert.match(saved, /value="Robert"/);
  });

  it('remember-me gives a persistent cookie; a plain login does not', async () => {
    const plain = await signIn('bob', 'builder-2026');
    assert.equal(plain.browser.jar.get('sid')?.attributes['max-age'], undefined);
    const remembered = await signIn('bob', 'builder-2026', true);
    assert.ok(Number(remembered.browser.jar.get('sid')?.attributes['max-age']) > 3600);
  });

  it('serves Prometheus metrics', async () => {
    const response = await fetch(`${url}/metrics`);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    assert.match(text, /^sessionkit_sessions_regenerated_total [1-9]/m);
    assert.match(text, /^sessionkit_auth_events_total\{type="login"\} [1-9]/m);
    assert.match(text, /^sessionkit_auth_events_total\{type="csrf-rejected"\} [1-9]/m);
    assert.match(text, /^sessionkit_sessions_active [1-9]/m);
  });
});

describe('demo: JSON API', () => {
  it('bearer clients get a token, no cookie, and the same revocable server-side session', async () => {
    const login = await fetch(`${url}/api/v1/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'bob', password: 'builder-2026', token: true }),
    });
    assert.equal(login.status, 200);
    assert.deepEqual(login.headers.getSetCookie(), [], 'no cookie for token clients');
    const { token, tokenType } = (await login.json()) as { token: string; tokenType: string };
    assert.equal(tokenType, 'Bearer');
    const auth = { authorization: `Bearer ${token}` };
    const profile = await fetch(`${url}/api/v1/profile`, { headers: auth });
    assert.equal(profile.status, 200);
    assert.equal(((await profile.json()) as { user: { username: string } }).user.username, 'bob');
    const update = await fetch(`${url}/api/v1/profile`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Bob B.', email: 'bob@example.com' }),
    });
    assert.equal(update.status, 200, 'bearer requests need no CSRF token');
    assert.equal((await fetch(`${url}/api/v1/admin/users`, { headers: auth })).status, 403);
    assert.equal((await fetch(`${url}/api/v1/logout`, { method: 'POST', headers: auth })).status, 200);
    assert.equal(
      (await fetch(`${url}/api/v1/profile`, { headers: auth })).status,
      401,
      'the token is dead after logout',
    );
  });

  it('cookie clients need the CSRF token for unsafe calls; admins list users', async () => {
    const browser = new CookieClient(url);
    const login = await browser.fetch('/api/v1/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password: 'wonderland-2026' }),
    });
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    assert.ok(browser.get('sid'));
    const users = await browser.fetch('/api/v1/admin/users');
    assert.equal(users.status, 200);
    const list = ((await users.json()) as { users: { username: string; activeSessions: number }[] }).users;
    assert.deepEqual(
      list.map((u) => u.username),
      ['alice', 'bob'],
    );
    const body = JSON.stringify({ name: 'Alice', email: 'alice@example.com' });
    const json = { 'content-type': 'application/json' };
    assert.equal((await browser.fetch('/api/v1/profile', { method: 'POST', headers: json, body })).status, 403);
    const ok = await browser.fetch('/api/v1/profile', {
      method: 'POST',
      headers: { ...json, 'x-csrf-token': csrfToken },
      body,
    });
    assert.equal(ok.status, 200);
    const bad = await fetch(`${url}/api/v1/login`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ username: 'alice', password: 'nope' }),
    });
    assert.equal(bad.status, 401);
    assert.equal((await fetch(`${url}/api/v1/admin/users`)).status, 401);
  });
});

describe('demo: backends', () => {
  for (const [name, env] of [
    ['the embedded SQLite store by default', { DATA_DIR: testConfig().dataDir }],
    ['PostgreSQL via SESSION_STORE', { SESSION_STORE: 'postgres://postgres@127.0.0.1:5432/test' }],
  ] as const) {
    it(`npm start runs on ${name}`, async () => {
      const started = await spawnDemo({ ...env });
      try {
        const login = await fetch(`${started.url}/api/v1/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'alice', password: 'wonderland-2026', token: true }),
        });
        assert.equal(login.status, 200);
        const { token } = (await login.json()) as { token: string };
        const profile = await fetch(`${started.url}/api/v1/profile`, { headers: { authorization: `Bearer ${token}` } });
        assert.equal(profile.status, 200);
        assert.match(
          started.output(),
          name.includes('SQLite') ? /sessions: sqlite .*sessions\.db/ : /sessions: postgres:/,
        );
      } finally {
        await started.stop();
      }
    });
  }
});

describe('demo: configuration', () => {
  it('development generates a key once and keeps it in the data directory', () => {
    const dir = testConfig().dataDir;
    const first = loadConfig({ DATA_DIR: dir });
    const second = loadConfig({ DATA_DIR: dir });
    assert.deepEqual(first.keys, second.keys);
    assert.match(first.keys[0] as string, /^[A-Za-z0-9_-]{43}$/);
    const file = join(dir, 'session-key');
    assert.ok(existsSync(file));
    assert.equal(statSync(file).mode & 0o077, 0, 'the key file is private');
    assert.equal(readFileSync(file, 'utf8').trim(), first.keys[0]);
  });

  it('production refuses to start without a key, or with a weak one, and says to run sessionkit keygen', async () => {
    for (const SESSION_KEYS of ['', 'short', 'a'.repeat(40)]) {
      const failure = await spawnDemo({ NODE_ENV: 'production', SESSION_KEYS, SESSION_STORE: 'memory:' }).then(
        async (started) => {
          await started.stop();
          return undefined;
        },
        (error: { code?: number; output?: string }) => error,
      );
      assert.ok(failure, `started with SESSION_KEYS=${JSON.stringify(SESSION_KEYS)}`);
      assert.equal(failure.code, 1);
      assert.match(failure.output ?? '', /sessionkit keygen/);
    }
  });
});
