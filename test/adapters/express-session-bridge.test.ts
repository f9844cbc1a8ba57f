import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RedisStore } from 'connect-redis';
import express from 'express';
import session from 'express-session';
import { createClient } from 'redis';
import { expressSessions } from '../../src/adapters/express.js';
import { createSessions } from '../../src/core/manager.js';
import {
  fromExpressSessionStore,
  isExpressSessionStore,
  toExpressSessionStore,
} from '../../src/stores/express-session-bridge.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { key, record, storeConformance } from '../conformance/store-suite.js';
import { CookieClient, listening, type Running } from '../helpers/http.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `sk-bridge-test:${process.pid}:`;

function listen(app: express.Express): Promise<Running> {
  return listening((ready) => app.listen(0, '127.0.0.1', ready));
}

// express-session store → sessionkit Store: the shared conformance suite, without the
// partial-update cases (express-session stores write whole sessions).
storeConformance('express-session MemoryStore through fromExpressSessionStore', {
  create: () => fromExpressSessionStore(new session.MemoryStore()),
  partialUpdates: false,
});

const redis = createClient({ url: REDIS_URL });
storeConformance('connect-redis (real Redis) through fromExpressSessionStore', {
  create: async () => {
    if (!redis.isOpen) await redis.connect();
    return fromExpressSessionStore(new RedisStore({ client: redis, prefix }));
  },
  partialUpdates: false,
  expiryResolution: 1000,
  teardown: async () => {
    for await (const keys of redis.scanIterator({ MATCH: `${prefix}*` })) if (keys.length) await redis.del(keys);
    await redis.quit();
  },
});

describe('fromExpressSessionStore: what the store sees', () => {
  it('writes a cookie.expires the store can compute its TTL from, and tells stores apart', async () => {
    const inner = new session.MemoryStore();
    const store = fromExpressSessionStore(inner);
    const k = key();
    const r = record();
    assert.equal(await store.create(k, r), true);
    const raw = await new Promise<Record<string, unknown>>((resolve) =>
      inner.get(k, (_e, s) => resolve(s as unknown as Record<string, unknown>)),
    );
    assert.equal((raw.cookie as { expires: string }).expires, new Date(r.expiresAt).toISOString());
    assert.equal(isExpressSessionStore(inner), true);
    assert.equal(isExpressSessionStore(new MemoryStore()), false);
  });

  it('a store error becomes a rejected promise (the manager turns it into a 503)', async () => {
    const broken = {
      get: (_sid: string, cb: (e?: unknown) => void) => cb(new Error('down')),
      set: (_sid: string, _s: unknown, cb?: (e?: unknown) => void) => cb?.(new Error('down')),
      destroy: (_sid: string, cb?: (e?: unknown) => void) => cb?.(new Error('down')),
    };
    await assert.rejects(async () => fromExpressSessionStore(broken).get(key()), /down/);
  });
});

describe('sessionkit/express over connect-redis (an express-session store as a sessionkit Store)', () => {
  const client = createClient({ url: REDIS_URL });
  let app: { url: string; close(): Promise<void> };
  const manager = createSessions<{ count: number }>({
    store: fromExpressSessionStore(new RedisStore({ client, prefix })),
    cleanupInterval: false,
  });
  before(async () => {
    await client.connect();
    const server = express();
    const sessions = expressSessions(manager);
    server.use(sessions);
    server.get('/inc', (req, res) => {
      const s = sessions.get(req);
      s.set('count', (s.get('count') ?? 0) + 1);
      res.send(String(s.get('count')));
    });
    server.get('/logout', (req, res) => {
      sessions.get(req).destroy();
      res.send('bye');
    });
    app = await listen(server);
  });
  after(async () => {
    await app.close();
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*` })) if (keys.length) await client.del(keys);
    await client.quit();
  });

  it('round trip and logout through Redis', async () => {
    const c = new CookieClient(app.url);
    assert.equal(await c.text('/inc'), '1');
    assert.equal(await c.text('/inc'), '2');
    const id = c.get('sid') as string;
    await c.text('/logout');
    const replay = await fetch(`${app.url}/inc`, { headers: { cookie: `sid=${id}` } });
    assert.equal(await replay.text(), '1', 'the logged-out session is gone from Redis');
  });
});

describe('toExpressSessionStore: a sessionkit Store inside express-session', () => {
  const store = new MemoryStore();
  let app: { url: string; close(): Promise<void> };
  before(async () => {
    const server = express();
    server.use(
      session({
        secret: 'bridge test secret',
        resave: false,
        saveUninitialized: false,
        store: toExpressSessionStore(session, store),
        cookie: { maxAge: 60_000 },
      }),
    );
    server.get('/inc', (req, res) => {
      const s = req.session as unknown as { count?: number };
      s.count = (s.count ?? 0) + 1;
      res.send(String(s.count));
    });
    server.get('/regenerate', (req, res) => {
      req.session.regenerate(() => {
        (req.session as unknown as { count: number }).count = 100;
        res.send('ok');
      });
    });
    server.get('/logout', (req, res) => {
      req.session.destroy(() => res.send('bye'));
    });
    app = await listen(server);
  });
  after(() => app.close());

  it('stores, reads, regenerates and destroys sessions through the sessionkit store', async () => {
    const c = new CookieClient(app.url);
    assert.equal(await c.text('/inc'), '1');
    assert.equal(await c.text('/inc'), '2');
    assert.equal(store.size, 1);
    const before = c.get('connect.sid') as string;
    const rawId = decodeURIComponent(before).slice(2).split('.')[0] as string;
    assert.equal(await store.get(rawId), undefined, 'the raw session id is not a store key (SECURITY 6)');
    await c.text('/regenerate');
    assert.notEqual(c.get('connect.sid'), before);
    assert.equal(await c.text('/inc'), '101');
    const stale = await fetch(`${app.url}/inc`, { headers: { cookie: `connect.sid=${before}` } });
    assert.equal(await stale.text(), '1', 'the pre-regenerate id is dead');
    await c.text('/logout');
    const after = await fetch(`${app.url}/inc`, { headers: { cookie: c.cookieHeader() } });
    assert.equal(await after.text(), '1', 'the destroyed session is gone');
  });
});
