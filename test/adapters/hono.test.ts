import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, describe, it } from 'node:test';
import { serve } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import { honoSessions, requireRole, requireSession, type SessionEnv } from '../../src/adapters/hono.js';
import { createSessions, type SessionManager } from '../../src/core/manager.js';
import { MemoryStore } from '../../src/stores/memory.js';
import {
  type AdminData,
  type AppData,
  checkTwoManagers,
  frameworkSuite,
  type RunningApp,
  twoManagers,
} from './framework-suite.js';
import { CookieClient, listening } from '../helpers/http.js';

/** GET /inc: counts this session's requests. */
function inc(c: Context<SessionEnv<AppData>>): Response {
  const session = c.get('session');
  session.set('count', (session.get('count') ?? 0) + 1);
  return c.text(String(session.get('count')));
}

function buildApp(manager: SessionManager<AppData>): Hono<SessionEnv<AppData>> {
  const app = new Hono<SessionEnv<AppData>>();
  app.use(honoSessions(manager));
  app.get('/inc', inc);
  app.get('/read', (c) => c.text(String(c.get('session').get('count') ?? 'none')));
  app.get('/login', (c) => {
    const session = c.get('session');
    session.regenerate();
    session.userId = c.req.query('user');
    const role = c.req.query('role');
    if (role) session.set('role', role);
    return c.redirect('/whoami', 303);
  });
  app.get('/whoami', (c) => c.text(c.get('session').userId ?? 'anonymous'));
  app.get('/logout', (c) => {
    c.get('session').destroy();
    return c.text('ok');
  });
  app.get('/bye', (c) => {
    const session = c.get('session');
    session.destroy();
    session.flash('info', 'bye');
    return c.text('ok');
  });
  app.get('/flash', (c) => c.json(c.get('session').flashes('info')));
  app.get('/private', requireSession(), (c) => c.text('private'));
  app.get('/members', requireSession({ redirectTo: '/signin' }), (c) => c.text('members'));
  app.get('/admin', requireRole('admin'), (c) => c.text('admin'));
  app.get('/proxied', async (c) => c.text(await (await fetch(c.req.url.replace('/proxied', '/read'))).text()));
  return app;
}

function listenApp(app: Hono<SessionEnv<AppData>>): Promise<RunningApp> {
  return listening((ready) => serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, ready) as Server);
}

frameworkSuite('hono 4 on @hono/node-server', (manager) => listenApp(buildApp(manager)));

describe('hono on plain fetch (app.request, no server)', () => {
  const manager = createSessions<AppData>({ store: new MemoryStore(), cleanupInterval: false });
  const app = buildApp(manager);
  after(() => manager.close());

  it('round trip, login redirect and guards through app.request', async () => {
    let res = await app.request('http://localhost/inc');
    let cookie = (res.headers.getSetCookie()[0] ?? '').split(';')[0] as string;
    assert.equal(await res.text(), '1');
    assert.match(cookie, /^sid=/);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    res = await app.request('http://localhost/inc', { headers: { cookie } });
    assert.equal(await res.text(), '2');
    res = await app.request('http://localhost/private', { headers: { cookie } });
    assert.equal(res.status, 401);
    res = await app.request('http://localhost/login?user=ada', { headers: { cookie } });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/whoami');
    const fresh = (res.headers.getSetCookie()[0] ?? '').split(';')[0] as string;
    assert.notEqual(fresh, cookie);
    cookie = fresh;
    res = await app.request('http://localhost/private', { headers: { cookie } });
    assert.equal(await res.text(), 'private');
  });

  it('https URLs get Secure cookies; plain-http localhost does not (cookie.secure auto)', async () => {
    const secure = await app.request('https://example.test/inc');
    assert.match(secure.headers.getSetCookie()[0] ?? '', /;\s*Secure/i);
    const local = await app.request('http://localhost/inc');
    assert.doesNotMatch(local.headers.getSetCookie()[0] ?? '', /;\s*Secure/i);
    const remotePlain = await app.request('http://example.test/inc');
    assert.match(remotePlain.headers.getSetCookie()[0] ?? '', /;\s*Secure/i, 'non-local plain http still gets Secure');
  });

  it('a context option supplies what a trusted proxy said', async () => {
    const proxied = new Hono<SessionEnv<AppData>>();
    proxied.use(
      honoSessions(manager, {
        context: (c) => ({
          cookie: c.req.header('cookie'),
          secure: c.req.header('x-forwarded-proto') === 'https',
          host: 'localhost',
        }),
      }),
    );
    proxied.get('/', (c) => {
      c.get('session').set('count', 1);
      return c.text('ok');
    });
    const res = await proxied.request('http://localhost/', { headers: { 'x-forwarded-proto': 'https' } });
    assert.match(res.headers.getSetCookie()[0] ?? '', /;\s*Secure/i);
  });
});

describe('hono: two managers on one app', () => {
  const managers = twoManagers();
  const { users, admins } = managers;
  let running: RunningApp | undefined;
  after(async () => {
    await running?.close();
    await managers.close();
  });

  it('each keeps its own session under its key, both commit, guards check the one they name', async () => {
    const app = new Hono<SessionEnv<AppData> & SessionEnv<AdminData, 'adminSession'>>();
    app.use(honoSessions(users), honoSessions(admins, { key: 'adminSession' }));
    app.get('/set', (c) => {
      c.get('session').set('count', 3);
      c.get('adminSession').set('level', 4);
      return c.text('ok');
    });
    app.get('/admin-login', (c) => {
      const admin = c.get('adminSession');
      admin.regenerate();
      admin.userId = 'root';
      return c.text('ok');
    });
    app.get('/read', (c) => c.text(`${c.get('session').get('count')},${c.get('adminSession').get('level')}`));
    app.get('/area', requireSession({ key: 'adminSession' }), (c) => c.text('admin area'));
    app.get('/staff', requireRole('staff', { key: 'adminSession' }), (c) => c.text('staff'));
    running = await listenApp(app as unknown as Hono<SessionEnv<AppData>>);
    const c = await checkTwoManagers(running.url);
    assert.equal((await c.fetch('/staff')).status, 403);
  });

  it('a manager mounted on an app and its sub-app loads and commits once', async () => {
    const api = new Hono<SessionEnv<AppData>>();
    api.use(honoSessions(users));
    api.get('/inc', inc);
    api.get('/role', (c) => c.text(String(c.get('session').get('role'))));
    const app = new Hono<SessionEnv<AppData>>();
    app.use(honoSessions(users));
    app.use(async (c, next) => {
      // An app-level middleware writes before the sub-app's handler does: one session holds both.
      c.get('session').set('role', 'visitor');
      await next();
    });
    app.route('/api', api);
    const server = await listenApp(app);
    try {
      const c = new CookieClient(server.url);
      assert.equal(await c.text('/api/inc'), '1');
      assert.equal(c.lastSetCookies.length, 1, 'one new session, not one per mount');
      assert.equal(await c.text('/api/inc'), '2');
      assert.equal(await c.text('/api/role'), 'visitor');
    } finally {
      await server.close();
    }
  });

  it('two managers under one key are refused on the request, not silently mixed', async () => {
    const app = new Hono<SessionEnv<AppData>>();
    app.use(honoSessions(users), honoSessions(admins as unknown as SessionManager<AppData>));
    app.get('/', (c) => c.text('unreachable'));
    let seen: unknown;
    app.onError((error, c) => {
      seen = error;
      return c.text('error', 500);
    });
    const res = await app.request('http://localhost/');
    assert.equal(res.status, 500);
    assert.match(String((seen as Error)?.message), /two session managers are mounted under the key 'session'/);
  });

  it('refuses a key that is not an identifier', () => {
    assert.throws(() => honoSessions(admins, { key: '' as 'x' }), /key must be an identifier/);
    assert.throws(() => requireSession({ key: 'a-b' }), /key must be an identifier/);
  });
});
