/**
 * sessionkit/express-session: express-session's documented behaviour, ported case by case
 * (see its README and test suite), over real Express and real sockets. Cases where
 * sessionkit deliberately differs say so in their names.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { RedisStore } from 'connect-redis';
import express from 'express';
import expressSession from 'express-session';
import { createClient } from 'redis';
import session, { type CompatOptions } from '../../src/adapters/express-session.js';
import type { Change, SessionRecord } from '../../src/core/store.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { CookieClient, listening } from '../helpers/http.js';

/** A real MemoryStore that counts writes, and can be told to fail. */
class WatchedStore extends MemoryStore {
  writes = 0;
  touches = 0;
  failing = false;
  override async get(key: string) {
    if (this.failing) throw new Error('store down (on purpose)');
    return super.get(key);
  }
  override async create(key: string, record: SessionRecord) {
    this.writes++;
    return super.create(key, record);
  }
  override async update(key: string, record: SessionRecord, change: Change) {
    this.writes++;
    return super.update(key, record, change);
  }
  override async touch(key: string, expiresAt: number, lastSeenAt: number) {
    this.touches++;
    return super.touch(key, expiresAt, lastSeenAt);
  }
}

type Req = express.Request & { session: Record<string, unknown> & expressSession.Session; sessionID: string };
type Route = (req: Req, res: express.Response, next: express.NextFunction) => void;

const running: { close(): Promise<void> }[] = [];
after(async () => {
  for (const r of running) await r.close();
});

/** An Express app with the compat middleware and one route for every path. */
async function start(
  options: CompatOptions,
  route: Route,
  setup?: (app: express.Express) => void,
): Promise<CookieClient> {
  const app = express();
  setup?.(app);
  app.use(session(options) as unknown as express.RequestHandler);
  app.use(route as unknown as express.RequestHandler);
  app.use((error: { status?: number }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(error.status ?? 500).send('error');
  });
  const server = await listening((ready) => app.listen(0, '127.0.0.1', ready));
  running.push(server);
  return new CookieClient(server.url);
}

const counter: Route = (req, res) => {
  if (req.path === '/inc') req.session.count = ((req.session.count as number) ?? 0) + 1;
  res.send(String(req.session.count ?? 'none'));
};

describe('express-session compat: the middleware', () => {
  it('creates a session, sets connect.sid, and loads it from the cookie', async () => {
    const c = await start({ secret: 'keyboard cat' }, counter);
    assert.equal(await c.text('/inc'), '1');
    assert.ok(c.get('connect.sid'), 'default cookie name is connect.sid');
    assert.equal(await c.text('/inc'), '2');
    assert.equal(await c.text('/'), '2');
  });

  it('name option sets the cookie name', async () => {
    const c = await start({ name: 'my.sid' }, counter);
    await c.text('/inc');
    assert.ok(c.get('my.sid'));
    assert.equal(c.get('connect.sid'), undefined);
  });

  it('does nothing if req.session already exists (mounted twice)', async () => {
    const c = await start({}, counter, (app) => app.use(session({}) as unknown as express.RequestHandler));
    assert.equal(await c.text('/inc'), '1');
    assert.equal(c.lastSetCookies.length, 1, 'one cookie, from the first middleware');
  });

  it('saveUninitialized: an unmodified new session is not saved and sets no cookie (as false; sessionkit never stores empty sessions)', async () => {
    const store = new WatchedStore();
    const c = await start({ store, saveUninitialized: true }, (_req, res) => {
      res.send('hi');
    });
    await c.text('/');
    assert.equal(store.writes, 0);
    assert.deepEqual(c.lastSetCookies, []);
  });

  it('resave: false does not write an unmodified session; resave: true writes its expiry every request', async () => {
    const lazy = new WatchedStore();
    const c1 = await start({ store: lazy, resave: false }, counter);
    await c1.text('/inc');
    const writes = lazy.writes;
    await c1.text('/');
    await c1.text('/');
    assert.equal(lazy.writes, writes);
    assert.equal(lazy.touches, 0);
    const eager = new WatchedStore();
    const c2 = await start({ store: eager, resave: true }, counter);
    await c2.text('/inc');
    await c2.text('/');
    await c2.text('/');
    assert.equal(eager.touches, 2);
  });

  it('rolling: true re-sends a persistent cookie on every response', async () => {
    const c = await start({ rolling: true, cookie: { maxAge: 60_000 } }, counter);
    await c.text('/inc');
    await c.text('/');
    assert.equal(c.lastSetCookies.length, 1);
    assert.match(c.lastSetCookies[0] ?? '', /Max-Age=60/);
    const still = await start({ rolling: false, cookie: { maxAge: 60_000 } }, counter);
    await still.text('/inc');
    await still.text('/');
    assert.deepEqual(still.lastSetCookies, []);
  });

  it('cookie.maxAge (ms) gives a persistent cookie; without it a browser-session cookie', async () => {
    const c = await start({ cookie: { maxAge: 3_600_000 } }, counter);
    await c.text('/inc');
    assert.match(c.lastSetCookies[0] ?? '', /Max-Age=3600/);
    const plain = await start({}, counter);
    await plain.text('/inc');
    assert.doesNotMatch(plain.lastSetCookies[0] ?? '', /Max-Age/);
  });

  it('cookie defaults: HttpOnly, Path=/, SameSite=Lax (sessionkit always sends SameSite)', async () => {
    const c = await start({}, counter);
    await c.text('/inc');
    const header = c.lastSetCookies[0] ?? '';
    assert.match(header, /HttpOnly/);
    assert.match(header, /Path=\//);
    assert.match(header, /SameSite=Lax/);
  });

  it('proxy: true believes X-Forwarded-Proto (Secure cookie); proxy: false ignores it', async () => {
    const trusting = await start({ proxy: true }, counter);
    await trusting.fetch('/inc', { headers: { 'x-forwarded-proto': 'https' } });
    assert.match(trusting.lastSetCookies[0] ?? '', /;\s*Secure/);
    const wary = await start({ proxy: false }, counter, (app) => app.set('trust proxy', true));
    await wary.fetch('/inc', { headers: { 'x-forwarded-proto': 'https' } });
    assert.doesNotMatch(wary.lastSetCookies[0] ?? '', /;\s*Secure/);
  });

  it("proxy unset: Express's 'trust proxy' decides", async () => {
    const c = await start({}, counter, (app) => app.set('trust proxy', 'loopback'));
    await c.fetch('/inc', { headers: { 'x-forwarded-proto': 'https' } });
    assert.match(c.lastSetCookies[0] ?? '', /;\s*Secure/);
  });

  it("unset: 'destroy' destroys the session when req.session is deleted; 'keep' keeps it", async () => {
    const route: Route = (req, res) => {
      if (req.path === '/unset') {
        (req as { session?: unknown }).session = null;
        return void res.send('unset');
      }
      counter(req, res, () => {});
    };
    const destroying = await start({ unset: 'destroy' }, route);
    await destroying.text('/inc');
    await destroying.text('/unset');
    assert.equal(destroying.get('connect.sid'), undefined, 'cookie cleared');
    assert.equal(await destroying.text('/'), 'none');
    const keeping = await start({ unset: 'keep' }, route);
    await keeping.text('/inc');
    await keeping.text('/unset');
    assert.equal(await keeping.text('/'), '1');
  });

  it('genid is accepted but ignored: ids stay 256-bit random (deliberate difference)', async () => {
    const c = await start({ genid: () => 'predictable' }, (req, res) => {
      req.session.n = 1;
      res.send(req.sessionID);
    });
    const id = await c.text('/');
    assert.notEqual(id, 'predictable');
    assert.match(id, /^[A-Za-z0-9_-]{43}$/);
  });

  it('a store error is passed to next() with status 503', async () => {
    const store = new WatchedStore();
    const c = await start({ store }, counter);
    await c.text('/inc');
    store.failing = true;
    const res = await c.fetch('/');
    assert.equal(res.status, 503);
    store.failing = false;
    assert.equal(await c.text('/'), '1');
  });

  it('session.MemoryStore exists, as in express-session', async () => {
    const c = await start({ store: new session.MemoryStore() }, counter);
    assert.equal(await c.text('/inc'), '1');
  });

  it('the one-import switch: keeps an existing connect-redis store (real Redis)', async () => {
    const redis = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
    await redis.connect();
    const prefix = `sk-compat-test:${process.pid}:`;
    try {
      const c = await start(
        { secret: 'keyboard cat', store: new RedisStore({ client: redis, prefix }) },
        (req, res) => {
          if (req.path === '/logout') return void req.session.destroy(() => res.send('bye'));
          counter(req, res, () => {});
        },
      );
      assert.equal(await c.text('/inc'), '1');
      assert.equal(await c.text('/inc'), '2');
      const keys: string[] = [];
      for await (const batch of redis.scanIterator({ MATCH: `${prefix}*` })) keys.push(...batch);
      assert.equal(keys.length, 1, 'one session in Redis');
      assert.ok(!keys[0]?.includes(c.get('connect.sid') as string), 'Redis never sees the raw id');
      await c.text('/logout');
      assert.equal(await c.text('/'), 'none');
    } finally {
      for await (const batch of redis.scanIterator({ MATCH: `${prefix}*` })) if (batch.length) await redis.del(batch);
      await redis.quit();
    }
  });

  it('takes an express-session store (its own MemoryStore) through the bridge', async () => {
    const c = await start({ store: new expressSession.MemoryStore() }, counter);
    assert.equal(await c.text('/inc'), '1');
    assert.equal(await c.text('/inc'), '2');
  });
});

describe('express-session compat: req.session', () => {
  it('req.sessionID equals req.session.id and the cookie value; methods do not reach the store', async () => {
    const store = new WatchedStore();
    const c = await start({ store }, (req, res) => {
      req.session.user = 'ada';
      res.json({ sid: req.sessionID, id: req.session.id, keys: Object.keys(req.session) });
    });
    const body = (await (await c.fetch('/')).json()) as { sid: string; id: string; keys: string[] };
    assert.equal(body.sid, body.id);
    assert.equal(c.get('connect.sid'), body.sid);
    assert.deepEqual(body.keys, ['user']);
  });

  it('detects nested changes (req.session.cart.push) and deletions', async () => {
    const c = await start({}, (req, res) => {
      if (req.path === '/add') ((req.session.cart ??= []) as string[]).push('apple');
      if (req.path === '/clear') delete req.session.cart;
      res.json(req.session.cart ?? null);
    });
    await c.text('/add');
    assert.equal(await c.text('/add'), '["apple","apple"]');
    assert.equal(await c.text('/'), '["apple","apple"]');
    await c.text('/clear');
    assert.equal(await c.text('/'), 'null');
  });

  it('regenerate(cb): new id, old id dead, data emptied (as express-session)', async () => {
    const c = await start({}, (req, res) => {
      if (req.path === '/login') {
        req.session.regenerate((error) => {
          if (error) return void res.status(500).end();
          req.session.user = 'ada';
          res.redirect('/');
        });
        return;
      }
      if (req.path === '/guest') req.session.cart = ['pear'];
      res.json({ user: req.session.user ?? null, cart: req.session.cart ?? null });
    });
    await c.text('/guest');
    const before = c.get('connect.sid') as string;
    const res = await c.fetch('/login');
    assert.equal(res.status, 302);
    assert.notEqual(c.get('connect.sid'), before);
    assert.deepEqual(JSON.parse(await c.text('/')), { user: 'ada', cart: null });
    const old = await fetch(`${c.base}/`, { headers: { cookie: `connect.sid=${before}` } });
    assert.deepEqual(await old.json(), { user: null, cart: null });
  });

  it('regenerate() without a callback returns a Promise', async () => {
    const c = await start({}, async (req, res) => {
      if (req.path === '/login') {
        // express-session's types only know the callback form; sessionkit's also returns a Promise.
        await (req.session as unknown as { regenerate(): Promise<void> }).regenerate();
        req.session.user = 'bo';
      }
      res.send(String(req.session.user ?? 'anonymous'));
    });
    assert.equal(await c.text('/login'), 'bo');
    assert.equal(await c.text('/'), 'bo');
  });

  it('destroy(cb): req.session is gone, the record too, and the cookie is cleared (express-session leaves it)', async () => {
    const store = new WatchedStore();
    const c = await start({ store }, (req, res) => {
      if (req.path === '/logout') {
        req.session.destroy(() => res.send(String(req.session === undefined)));
        return;
      }
      counter(req, res, () => {});
    });
    await c.text('/inc');
    const id = c.get('connect.sid');
    assert.equal(await c.text('/logout'), 'true');
    assert.match(c.lastSetCookies[0] ?? '', /Max-Age=0/);
    assert.equal(store.size, 0);
    const replay = await fetch(`${c.base}/`, { headers: { cookie: `connect.sid=${id}` } });
    assert.equal(await replay.text(), 'none');
  });

  it('reload(cb): re-reads the stored session, dropping unsaved changes; errors for a session never saved', async () => {
    const c = await start({}, (req, res) => {
      if (req.path === '/reload-new') {
        req.session.reload((error) => res.send(error ? `error: ${(error as Error).message}` : 'loaded'));
        return;
      }
      if (req.path === '/reload') {
        req.session.count = 99;
        req.session.reload((error) =>
          res.send(error ? `error: ${(error as Error).message}` : String(req.session.count)),
        );
        return;
      }
      counter(req, res, () => {});
    });
    assert.match(await c.text('/reload-new'), /failed to load session/);
    await c.text('/inc');
    assert.equal(await c.text('/reload'), '1');
  });

  it('save(cb): the write is done before the callback, so a redirect after it never races', async () => {
    const store = new WatchedStore();
    const c = await start({ store }, (req, res) => {
      if (req.path === '/login') {
        req.session.user = 'cy';
        req.session.save((error) => {
          if (error) return void res.status(500).end();
          assert.ok(store.writes >= 1, 'written before the callback');
          res.redirect('/');
        });
        return;
      }
      res.send(String(req.session.user ?? 'anonymous'));
    });
    const res = await c.fetch('/login');
    assert.equal(res.status, 302);
    assert.ok(c.get('connect.sid'), 'the cookie from save() is sent');
    assert.equal(await c.text('/'), 'cy');
    assert.equal(store.writes, 1, 'no second write at the end of the request');
  });

  it('save() returns a Promise; touch() and resetMaxAge() are chainable', async () => {
    const c = await start({ cookie: { maxAge: 60_000 } }, async (req, res) => {
      req.session.v = 1;
      await req.session.save();
      req.session.touch().resetMaxAge();
      res.send('ok');
    });
    assert.equal(await c.text('/'), 'ok');
  });

  it('req.session.cookie: maxAge/expires reflect the session; setting maxAge makes the cookie persistent (remember-me)', async () => {
    const c = await start({}, (req, res) => {
      if (req.path === '/remember') {
        req.session.user = 'di';
        req.session.cookie.maxAge = 30 * 24 * 3_600_000;
      }
      res.json({
        maxAge: req.session.cookie.maxAge,
        httpOnly: req.session.cookie.httpOnly,
        path: req.session.cookie.path,
      });
    });
    assert.deepEqual(await (await c.fetch('/')).json(), { maxAge: null, httpOnly: true, path: '/' });
    await c.fetch('/remember');
    assert.match(c.lastSetCookies[0] ?? '', /Max-Age=\d+/);
    const body = (await (await c.fetch('/')).json()) as { maxAge: number };
    assert.ok(body.maxAge > 0);
  });

  it('concurrent requests of many clients each keep their own count', async () => {
    const port = await start({}, counter);
    const clients = Array.from({ length: 6 }, () => new CookieClient(port.base));
    for (let round = 0; round < 4; round++) await Promise.all(clients.map((c) => c.text('/inc')));
    assert.deepEqual(
      await Promise.all(clients.map((c) => c.text('/'))),
      clients.map(() => '4'),
    );
  });
});
