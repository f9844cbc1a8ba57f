import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import Koa, { type DefaultState, type Middleware } from 'koa';
import compose from 'koa-compose';
import { koaSessions, requireRole, requireSession, type SessionContext } from '../../src/adapters/koa.js';
import { createSessions, type SessionManager } from '../../src/core/manager.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { CookieClient, listening } from '../helpers/http.js';
import { type AppData, frameworkSuite, type RunningApp } from './framework-suite.js';

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
