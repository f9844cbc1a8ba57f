import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import Koa, { type DefaultState, type Middleware, type ParameterizedContext } from 'koa';
import compose from 'koa-compose';
import { koaSessions, requireRole, requireSession, type SessionContext } from '../../src/adapters/koa.js';
import { createSessions, type SessionManager } from '../../src/core/manager.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { CookieClient, listening } from '../helpers/http.js';
import {
  type AdminData,
  type AppData,
  checkTwoManagers,
  frameworkSuite,
  type RunningApp,
  twoManagers,
} from './framework-suite.js';

type App = Koa<DefaultState, SessionContext<AppData>>;
type Handler = Middleware<DefaultState, SessionContext<AppData>>;

/** A minimal router: runs the chain when the path matches exactly (koa-router is not a dependency). */
function route(app: App, path: string, ...chain: Handler[]): void {
  const run = compose(chain);
  app.use((ctx, next) => (ctx.path === path ? run(ctx, next) : next()));
}

function buildApp(manager: SessionManager<AppData>, proxy = false): App {
  const app: App = new Koa<DefaultState, SessionContext<AppData>>();
  app.proxy = proxy;
  app.use(koaSessions(manager));
  route(app, '/inc', (ctx) => {
    ctx.session.set('count', (ctx.session.get('count') ?? 0) + 1);
    ctx.body = String(ctx.session.get('count'));
  });
  route(app, '/read', (ctx) => {
    ctx.body = String(ctx.session.get('count') ?? 'none');
  });
  route(app, '/login', (ctx) => {
    ctx.session.regenerate();
    ctx.session.userId = String(ctx.query.user);
    if (ctx.query.role) ctx.session.set('role', String(ctx.query.role));
    ctx.status = 303;
    ctx.redirect('/whoami');
  });
  route(app, '/whoami', (ctx) => {
    ctx.body = ctx.session.userId ?? 'anonymous';
  });
  route(app, '/logout', (ctx) => {
    ctx.session.destroy();
    ctx.body = 'ok';
  });
  route(app, '/bye', (ctx) => {
    ctx.session.destroy();
    ctx.session.flash('info', 'bye');
    ctx.body = 'ok';
  });
  route(app, '/flash', (ctx) => {
    ctx.body = ctx.session.flashes('info');
  });
  route(app, '/private', requireSession(), (ctx) => {
    ctx.body = 'private';
  });
  route(app, '/members', requireSession({ redirectTo: '/signin' }), (ctx) => {
    ctx.body = 'members';
  });
  route(app, '/admin', requireRole('admin'), (ctx) => {
    ctx.body = 'admin';
  });
  return app;
}

function listenApp(app: App): Promise<RunningApp> {
  return listening((ready) => app.listen(0, '127.0.0.1', ready));
}

frameworkSuite('koa', (manager) => listenApp(buildApp(manager)));

describe('koa: proxies', () => {
  const manager = createSessions<AppData>({ store: new MemoryStore(), cleanupInterval: false });
  const running: RunningApp[] = [];
  after(async () => {
    for (const r of running) await r.close();
    await manager.close();
  });

  it('sets Secure when app.proxy trusts X-Forwarded-Proto, not otherwise (SECURITY 35)', async () => {
    const trusted = await listenApp(buildApp(manager, true));
    const untrusted = await listenApp(buildApp(manager, false));
    running.push(trusted, untrusted);
    const a = new CookieClient(trusted.url);
    await a.fetch('/inc', { headers: { 'x-forwarded-proto': 'https' } });
    assert.match(a.lastSetCookies[0] ?? '', /;\s*Secure/i);
    const b = new CookieClient(untrusted.url);
    await b.fetch('/inc', { headers: { 'x-forwarded-proto': 'https' } });
    assert.ok(b.lastSetCookies[0]);
    assert.doesNotMatch(b.lastSetCookies[0] ?? '', /;\s*Secure/i);
  });
});

describe('koa: two managers on one app', () => {
  const managers = twoManagers();
  const { users, admins } = managers;
  type TwoContext = SessionContext<AppData> & SessionContext<AdminData, 'adminSession'>;
  let running: RunningApp | undefined;
  after(async () => {
    await running?.close();
    await managers.close();
  });

  it('each keeps its own session under its key, both commit, guards check the one they name', async () => {
    const app = new Koa<DefaultState, TwoContext>();
    app.use(koaSessions(users));
    app.use(koaSessions(admins, { key: 'adminSession' }));
    app.use(async (ctx, next) => {
      if (ctx.path === '/set') {
        ctx.session.set('count', 3);
        ctx.adminSession.set('level', 4);
        ctx.body = 'ok';
      } else if (ctx.path === '/admin-login') {
        ctx.adminSession.regenerate();
        ctx.adminSession.userId = 'root';
        ctx.body = 'ok';
      } else if (ctx.path === '/read') {
        ctx.body = `${ctx.session.get('count')},${ctx.adminSession.get('level')}`;
      } else await next();
    });
    const guarded = compose([
      requireSession<AdminData, 'adminSession'>({ key: 'adminSession' }),
      (ctx: ParameterizedContext) => {
        ctx.body = 'admin area';
      },
    ]);
    app.use((ctx, next) => (ctx.path === '/area' ? guarded(ctx, next) : next()));
    running = await listening((ready) => app.listen(0, '127.0.0.1', ready));
    await checkTwoManagers(running.url);
  });

  it('a manager mounted twice loads and commits once; two managers under one key are refused', async () => {
    const twice = new Koa<DefaultState, SessionContext<AppData>>();
    twice.use(koaSessions(users));
    twice.use(async (ctx, next) => {
      // A middleware between the two mounts writes too: one session holds both.
      ctx.session.set('role', 'visitor');
      await next();
    });
    twice.use(koaSessions(users));
    twice.use((ctx) => {
      ctx.session.set('count', (ctx.session.get('count') ?? 0) + 1);
      ctx.body = `${ctx.session.get('count')},${ctx.session.get('role')}`;
    });
    const server = await listening((ready) => twice.listen(0, '127.0.0.1', ready));
    let seen: unknown;
    const mixed = new Koa();
    mixed.on('error', (error) => {
      seen = error;
    });
    mixed.use(koaSessions(users));
    mixed.use(koaSessions(admins));
    const other = await listening((ready) => mixed.listen(0, '127.0.0.1', ready));
    try {
      const c = new CookieClient(server.url);
      assert.equal(await c.text('/'), '1,visitor');
      assert.equal(c.lastSetCookies.length, 1, 'one new session, not one per mount');
      assert.equal(await c.text('/'), '2,visitor');
      assert.equal((await fetch(`${other.url}/`)).status, 500);
      assert.match(String((seen as Error)?.message), /two session managers are mounted under the key 'session'/);
    } finally {
      await server.close();
      await other.close();
    }
  });

  it("refuses a key that is one of Koa's own context members, and a key that is not an identifier", async () => {
    assert.throws(() => koaSessions(admins, { key: 'not a name' as 'x' }), /key must be an identifier/);
    const app = new Koa();
    app.silent = true;
    app.use(koaSessions(admins, { key: 'body' }));
    const server = await listening((ready) => app.listen(0, '127.0.0.1', ready));
    try {
      const res = await fetch(`${server.url}/`);
      assert.equal(res.status, 500);
    } finally {
      await server.close();
    }
    let seen: unknown;
    const probe = new Koa();
    probe.on('error', (error) => {
      seen = error;
    });
    probe.use(koaSessions(admins, { key: 'state' }));
    const other = await listening((ready) => probe.listen(0, '127.0.0.1', ready));
    try {
      await fetch(`${other.url}/`);
    } finally {
      await other.close();
    }
    assert.match(String((seen as Error)?.message), /key 'state' is already a property of Koa's context/);
  });
});
