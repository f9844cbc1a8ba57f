import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { fastifySessions, requireRole, requireSession } from '../../src/adapters/fastify.js';
import { createSessions, type SessionManager } from '../../src/core/manager.js';
import type { Session } from '../../src/core/session.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { CookieClient } from '../helpers/http.js';
import { type AppData, frameworkSuite, type RunningApp } from './framework-suite.js';

async function listenApp(app: FastifyInstance): Promise<RunningApp> {
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url: address, close: () => app.close() };
}

async function buildApp(manager: SessionManager<AppData>, trustProxy = false): Promise<FastifyInstance> {
  const app = Fastify({ trustProxy });
  await app.register(fastifySessions, { manager });
  // request.session is declared as Session<FastifySessionData>; this app's data is AppData.
  const s = (request: { session: unknown }) => request.session as Session<AppData>;
  app.get('/inc', async (request) => {
    const session = s(request);
    session.set('count', (session.get('count') ?? 0) + 1);
    return String(session.get('count'));
  });
  app.get('/read', async (request) => String(s(request).get('count') ?? 'none'));
  app.get<{ Querystring: { user: string; role?: string } }>('/login', async (request, reply) => {
    const session = s(request);
    session.regenerate();
    session.userId = request.query.user;
    if (request.query.role) session.set('role', request.query.role);
    return reply.redirect('/whoami', 303);
  });
  app.get('/whoami', async (request) => request.session.userId ?? 'anonymous');
  app.get('/logout', async (request) => {
    request.session.destroy();
    return 'ok';
  });
  app.get('/bye', async (request) => {
    request.session.destroy();
    request.session.flash('info', 'bye');
    return 'ok';
  });
  app.get('/flash', async (request) => request.session.flashes('info'));
  app.get('/private', { preHandler: requireSession() }, async () => 'private');
  app.get('/members', { preHandler: requireSession({ redirectTo: '/signin' }) }, async () => 'members');
  app.get('/admin', { preHandler: requireRole('admin') }, async () => 'admin');
  app.get('/set', async (request) => {
    s(request).set('count', 1);
    return 'ok';
  });
  return app;
}

frameworkSuite('fastify 5', async (manager) => listenApp(await buildApp(manager)));

describe('fastify: plugin specifics', () => {
  const manager = createSessions<AppData>({ store: new MemoryStore(), cleanupInterval: false });
  const running: RunningApp[] = [];
  after(async () => {
    for (const r of running) await r.close();
    await manager.close();
  });

  it('sets Secure behind a proxy Fastify trusts, and ignores the header otherwise (SECURITY 35)', async () => {
    const trusted = await listenApp(await buildApp(manager, true));
    const untrusted = await listenApp(await buildApp(manager, false));
    running.push(trusted, untrusted);
    const a = new CookieClient(trusted.url);
    await a.fetch('/set', { headers: { 'x-forwarded-proto': 'https' } });
    assert.match(a.lastSetCookies[0] ?? '', /;\s*Secure/i);
    const b = new CookieClient(untrusted.url);
    await b.fetch('/set', { headers: { 'x-forwarded-proto': 'https' } });
    assert.ok(b.lastSetCookies[0]);
    assert.doesNotMatch(b.lastSetCookies[0] ?? '', /;\s*Secure/i);
  });

  it('works with app.inject (no socket) as well', async () => {
    const app = await buildApp(manager);
    const first = await app.inject({ method: 'GET', url: '/inc' });
    assert.equal(first.body, '1');
    const cookie = String(first.headers['set-cookie']).split(';')[0];
    const second = await app.inject({ method: 'GET', url: '/inc', headers: { cookie } });
    assert.equal(second.body, '2');
    assert.equal(second.headers['cache-control'], undefined, 'no cookie, no Cache-Control');
    assert.equal(first.headers['cache-control'], 'no-store');
    await app.close();
  });

  it('refuses to register without a manager', async () => {
    const app = Fastify();
    await assert.rejects(async () => {
      // @ts-expect-error: the manager is required
      await app.register(fastifySessions, {});
      await app.ready();
    }, /manager/);
    await app.close();
  });
});

describe('fastify: commit failure replaces a redirect', () => {
  let app: RunningApp;
  const store = new (class extends MemoryStore {
    override async create(): Promise<boolean> {
      throw new Error('write refused (on purpose)');
    }
  })();
  const manager = createSessions<AppData>({ store, cleanupInterval: false });
  before(async () => {
    app = await listenApp(await buildApp(manager));
  });
  after(async () => {
    await app.close();
    await manager.close();
  });
  it('503 without a Location header when the login write fails', async () => {
    const res = await fetch(`${app.url}/login?user=zed`, { redirect: 'manual' });
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('location'), null);
    assert.equal(res.headers.get('set-cookie'), null);
  });
});

describe('fastify: load failure answers before any handler', () => {
  // How the store's get fails: not at all, by rejecting, or by throwing before it answers.
  let failing: 'no' | 'rejects' | 'throws' = 'no';
  const store = new (class extends MemoryStore {
    override get(key: string) {
      if (failing === 'throws') throw new Error('read refused at once (on purpose)');
      if (failing === 'rejects') return Promise.reject(new Error('read refused later (on purpose)'));
      return super.get(key);
    }
  })();
  const manager = createSessions<AppData>({ store, cleanupInterval: false });
  let app: RunningApp;
  before(async () => {
    app = await listenApp(await buildApp(manager));
  });
  after(async () => {
    await app.close();
    await manager.close();
  });
  for (const mode of ['rejects', 'throws'] as const) {
    it(`503 when the store's get ${mode}, and the session is not changed`, async () => {
      failing = 'no';
      const client = new CookieClient(app.url);
      assert.equal(await client.text('/inc'), '1');
      failing = mode;
      const res = await client.fetch('/inc');
      assert.equal(res.status, 503);
      assert.match(await res.text(), /unavailable/i);
      failing = 'no';
      assert.equal(await client.text('/read'), '1', 'the failed request ran no handler and wrote nothing');
    });
  }
});
