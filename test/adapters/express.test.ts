import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { expressSessions, type SessionRequest } from '../../src/adapters/express.js';
import { createSessions, type SessionManager } from '../../src/core/manager.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { CookieClient, listen, listening } from '../helpers/http.js';
import { type AppData, frameworkSuite, type RunningApp } from './framework-suite.js';

// express@4 is installed under an alias; its types are express 5's, close enough for these routes.
const express4 = ((await import('express4' as string)) as { default: typeof express }).default;

function listenApp(app: express.Express): Promise<RunningApp> {
  return listening((ready) => app.listen(0, '127.0.0.1', ready));
}

function buildApp(make: typeof express, manager: SessionManager<AppData>): express.Express {
  const app = make();
  const sessions = expressSessions(manager);
  app.use(sessions);
  app.get('/inc', (req, res) => {
    const session = sessions.get(req);
    session.set('count', (session.get('count') ?? 0) + 1);
    res.send(String(session.get('count')));
  });
  app.get('/read', (req, res) => {
    res.send(String(sessions.get(req).get('count') ?? 'none'));
  });
  app.get('/login', (req, res) => {
    const session = sessions.get(req);
    session.regenerate();
    session.userId = String(req.query.user);
    if (req.query.role) session.set('role', String(req.query.role));
    res.redirect(303, '/whoami');
  });
  // The typed request form: req.session is the manager's Session<AppData>.
  app.get('/whoami', ((req: SessionRequest<AppData>, res: express.Response) => {
    res.send(req.session.userId ?? 'anonymous');
  }) as unknown as express.RequestHandler);
  app.get('/logout', (req, res) => {
    sessions.get(req).destroy();
    res.send('ok');
  });
  app.get('/bye', (req, res) => {
    const session = sessions.get(req);
    session.destroy();
    session.flash('info', 'bye');
    res.send('ok');
  });
  app.get('/flash', (req, res) => {
    res.json(sessions.get(req).flashes('info'));
  });
  app.get('/private', sessions.requireSession(), (_req, res) => {
    res.send('private');
  });
  app.get('/members', sessions.requireSession({ redirectTo: '/signin' }), (_req, res) => {
    res.send('members');
  });
  app.get('/admin', sessions.requireRole('admin'), (_req, res) => {
    res.send('admin');
  });
  return app;
}

frameworkSuite('express 5', (manager) => listenApp(buildApp(express, manager)));
frameworkSuite('express 4', (manager) => listenApp(buildApp(express4, manager)));

for (const [label, make] of [
  ['express 5', express],
  ['express 4', express4],
] as const) {
  describe(`${label}: proxies and Express specifics`, () => {
    const manager = createSessions<{ n: number }>({ store: new MemoryStore(), cleanupInterval: false });
    const running: RunningApp[] = [];
    const start = async (trust: unknown) => {
      const app = make();
      if (trust !== undefined) app.set('trust proxy', trust);
      const sessions = expressSessions(manager);
      app.use(sessions);
      app.get('/set', (req, res) => {
        sessions.get(req).set('n', 1);
        res.send('ok');
      });
      app.get('/ip', (req, res) => {
        res.send(sessions.get(req).client?.ip ?? 'none');
      });
      app.get('/boom', () => {
        throw new Error('handler failed');
      });
      app.use((_error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
        res.status(500).send('handled by the app');
      });
      const r = await listenApp(app);
      running.push(r);
      return r;
    };
    after(async () => {
      for (const r of running) await r.close();
      await manager.close();
    });

    it("sets Secure behind a TLS-terminating proxy that 'trust proxy' names (SECURITY 35)", async () => {
      const app = await start('loopback');
      const c = new CookieClient(app.url);
      await c.fetch('/set', { headers: { 'x-forwarded-proto': 'https' } });
      assert.match(c.lastSetCookies[0] ?? '', /;\s*Secure/i);
    });

    it('ignores X-Forwarded-Proto when the proxy is not trusted (plain-http localhost: no Secure)', async () => {
      const app = await start(undefined);
      const c = new CookieClient(app.url);
      await c.fetch('/set', { headers: { 'x-forwarded-proto': 'https' } });
      assert.ok(c.lastSetCookies[0]);
      assert.doesNotMatch(c.lastSetCookies[0] ?? '', /;\s*Secure/i);
    });

    it("records the client address Express's 'trust proxy' gives: X-Forwarded-For from a trusted proxy only", async () => {
      const headers = { 'x-forwarded-for': '203.0.113.7' };
      const trusted = await start('loopback');
      assert.equal(await (await fetch(`${trusted.url}/ip`, { headers })).text(), '203.0.113.7');
      const wary = await start(undefined);
      assert.match(await (await fetch(`${wary.url}/ip`, { headers })).text(), /^(::ffff:)?127\.0\.0\.1$|^::1$/);
    });

    it("a throwing route reaches the app's error handler, whose reply is not held back", async () => {
      const app = await start(undefined);
      const res = await fetch(`${app.url}/boom`);
      assert.equal(res.status, 500);
      assert.equal(await res.text(), 'handled by the app');
    });
  });
}

describe('Connect-style use on plain node:http (no Express)', () => {
  const manager = createSessions<{ n: number }>({ store: new MemoryStore(), cleanupInterval: false });
  let app: RunningApp;
  before(async () => {
    const sessions = expressSessions(manager, { trustProxy: true });
    const guard = sessions.requireSession();
    // What Connect does: run each (req, res, next) in turn.
    app = await listen((req, res) => {
      sessions(req, res, () => {
        if (req.url === '/private') return guard(req, res, () => res.end('private'));
        const s = sessions.get(req);
        s.set('n', (s.get('n') ?? 0) + 1);
        res.end(String(s.get('n')));
      });
    });
  });
  after(async () => {
    await app.close();
    await manager.close();
  });

  it('round trip, guard, and the trustProxy option for X-Forwarded-Proto', async () => {
    const c = new CookieClient(app.url);
    assert.equal(await c.text('/'), '1');
    assert.equal(await c.text('/'), '2');
    assert.equal((await c.fetch('/private')).status, 401);
    const proxied = new CookieClient(app.url);
    await proxied.fetch('/', { headers: { 'x-forwarded-proto': 'https' } });
    assert.match(proxied.lastSetCookies[0] ?? '', /;\s*Secure/i);
  });
});

describe('express: middleware mounted on a sub-path and typed access', () => {
  let app: RunningApp;
  const manager = createSessions<{ n: number }>({ store: new MemoryStore(), cleanupInterval: false });
  before(async () => {
    const root = express();
    const sessions = expressSessions(manager);
    const router = express.Router();
    router.use(sessions);
    router.get('/n', (req, res) => {
      const s = sessions.get(req);
      s.set('n', (s.get('n') ?? 0) + 1);
      res.send(String(s.get('n')));
    });
    root.use('/api', router);
    root.get('/outside', (req, res) => {
      try {
        sessions.get(req);
        res.send('had session');
      } catch (error) {
        res.status(500).send((error as { code?: string }).code ?? 'no code');
      }
    });
    app = await listenApp(root);
  });
  after(async () => {
    await app.close();
    await manager.close();
  });

  it('works inside a router and says clearly when the middleware did not run', async () => {
    const c = new CookieClient(app.url);
    assert.equal(await c.text('/api/n'), '1');
    assert.equal(await c.text('/api/n'), '2');
    assert.equal(await c.text('/outside'), 'invalid-state');
  });
});

/** A real MemoryStore whose writes answer after a delay, so responses must wait for them. */
class SlowMemoryStore extends MemoryStore {
  override async create(...args: Parameters<MemoryStore['create']>) {
    await new Promise((r) => setTimeout(r, 5));
    return super.create(...args);
  }
  override async update(...args: Parameters<MemoryStore['update']>) {
    await new Promise((r) => setTimeout(r, 5));
    return super.update(...args);
  }
}

for (const [label, make] of [
  ['express 5', express],
  ['express 4', express4],
] as const) {
  describe(`${label}: the commit-before-headers gate on express.response`, () => {
    const store = new SlowMemoryStore();
    const manager = createSessions<{ n: number }>({ store, cleanupInterval: false });
    const other = createSessions<{ n: number }>({
      store: new MemoryStore(),
      cookie: { name: 'other' },
      cleanupInterval: false,
    });
    let app: RunningApp;
    before(async () => {
      const root = make();
      const sub = make();
      const sessions = expressSessions(manager);
      sub.use(sessions);
      sub.get('/fail', (req, _res, next) => {
        sessions.get(req).set('n', 1);
        next(new Error('handled by the parent app'));
      });
      root.use('/sub', sub);
      // The parent's error handler replies after Express has switched the response back to the parent's prototype.
      root.use((_error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
        res.status(500).send('parent');
      });
      // A middleware that wraps res.end before the sessions run: the gate then patches the response itself.
      const wrapped = make();
      wrapped.use((_req, res, next) => {
        const end = res.end;
        res.end = function (this: express.Response, ...args: unknown[]) {
          this.setHeader('X-Wrapped', '1');
          return (end as (...a: unknown[]) => express.Response).apply(this, args);
        } as typeof res.end;
        next();
      });
      wrapped.use(sessions);
      wrapped.get('/set', (req, res) => {
        sessions.get(req).set('n', 2);
        res.send('ok');
      });
      root.use('/wrapped', wrapped);
      // Two session middlewares (two managers, two cookies) on one app: both must commit.
      const two = make();
      const second = expressSessions(other);
      two.use(sessions, second);
      two.get('/set', (req, res) => {
        sessions.get(req).set('n', 3);
        second.get(req).set('n', 4);
        res.send('ok');
      });
      two.get('/read', (req, res) => {
        res.send(`${sessions.get(req).get('n')},${second.get(req).get('n')}`);
      });
      root.use('/two', two);
      // An app without sessions in the same process: its responses pass straight through.
      root.get('/plain', (_req, res) => {
        res.send('plain');
      });
      app = await listenApp(root);
    });
    after(async () => {
      await app.close();
      await manager.close();
      await other.close();
    });

    it("a sub-app's session is committed before the parent app's error reply goes out", async () => {
      const c = new CookieClient(app.url);
      const res = await c.fetch('/sub/fail');
      assert.equal(res.status, 500);
      assert.equal(await res.text(), 'parent');
      assert.equal(c.lastSetCookies.length, 1, 'the Set-Cookie of the new session is on the reply');
      assert.equal(store.size, 1);
    });

    it('a response whose end was wrapped before the middleware still waits for the commit', async () => {
      const c = new CookieClient(app.url);
      const res = await c.fetch('/wrapped/set');
      assert.equal(await res.text(), 'ok');
      assert.equal(res.headers.get('x-wrapped'), '1');
      assert.equal(c.lastSetCookies.length, 1);
    });

    it('two session middlewares on one app both commit, each with its own cookie', async () => {
      const c = new CookieClient(app.url);
      assert.equal(await c.text('/two/set'), 'ok');
      assert.deepEqual(c.lastSetCookies.map((cookie) => cookie.split('=')[0]).sort(), ['other', 'sid']);
      assert.equal(await c.text('/two/read'), '3,4');
    });

    it('responses of routes without sessions are untouched', async () => {
      const res = await fetch(`${app.url}/plain`);
      assert.equal(await res.text(), 'plain');
      assert.equal(res.headers.get('set-cookie'), null);
    });
  });
}
