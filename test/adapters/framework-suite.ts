/**
 * The behaviour every framework adapter must show, run over real sockets against the real
 * framework. Each adapter's test file builds an app with the routes below and hands it here.
 *
 *   GET /inc      count + 1, returns it          GET /read    count or 'none' (no write)
 *   GET /login?user=&role=  regenerate, sign in, 303 to /whoami
 *   GET /whoami   user id or 'anonymous'         GET /logout  destroy, 'ok'
 *   GET /bye      destroy + flash('info','bye'), 'ok'
 *   GET /flash    JSON of flashes('info')        GET /private requireSession → 'private'
 *   GET /admin    requireRole('admin') → 'admin' GET /members requireSession({redirectTo:'/signin'})
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSessions, type SessionManager } from '../../src/core/manager.js';
import type { Change, SessionRecord } from '../../src/core/store.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { CookieClient } from '../helpers/http.js';

export type AppData = { count: number; role: string };

/** A real MemoryStore that can be told to fail or to answer slowly, as a backend under trouble would. */
export class TroubledStore extends MemoryStore {
  failGet = false;
  failUpdate = false;
  failCreate = false;
  /** Milliseconds every write waits before it lands. */
  writeDelay = 0;

  override async get(key: string) {
    if (this.failGet) throw new Error('connection refused (on purpose)');
    return super.get(key);
  }
  override async create(key: string, record: SessionRecord) {
    if (this.failCreate) throw new Error('write refused (on purpose)');
    if (this.writeDelay) await new Promise((r) => setTimeout(r, this.writeDelay));
    return super.create(key, record);
  }
  override async update(key: string, record: SessionRecord, change: Change) {
    if (this.failUpdate) throw new Error('connection reset (on purpose)');
    if (this.writeDelay) await new Promise((r) => setTimeout(r, this.writeDelay));
    return super.update(key, record, change);
  }
}

export interface RunningApp {
  url: string;
  close(): Promise<void>;
}

export function frameworkSuite(name: string, start: (manager: SessionManager<AppData>) => Promise<RunningApp>): void {
  describe(`${name}: shared adapter behaviour over real sockets`, () => {
    const store = new TroubledStore();
    const manager = createSessions<AppData>({ store, cleanupInterval: false, cookie: { secure: 'auto' } });
    let app: RunningApp;
    before(async () => {
      app = await start(manager);
    });
    after(async () => {
      await app.close();
      await manager.close();
    });
    const client = () => new CookieClient(app.url);

    it('round trip: the count survives between requests; reads do not write', async () => {
      const c = client();
      assert.equal(await c.text('/inc'), '1');
      assert.ok(c.get('sid'), 'a session cookie was set');
      const cookie = c.lastSetCookies[0] ?? '';
      assert.match(cookie, /HttpOnly/i);
      assert.match(cookie, /SameSite=Lax/i);
      assert.equal(await c.text('/inc'), '2');
      assert.equal(await c.text('/read'), '2');
      assert.deepEqual(c.lastSetCookies, [], 'a read sends no Set-Cookie');
      assert.equal(await client().text('/read'), 'none', 'another client has its own session');
    });

    it('regenerate: login issues a new id, the old one stops working, data is kept', async () => {
      const c = client();
      await c.text('/inc');
      const before = c.get('sid') as string;
      const res = await c.fetch('/login?user=ada');
      assert.equal(res.status, 303);
      const afterLogin = c.get('sid') as string;
      assert.notEqual(afterLogin, before);
      assert.equal(await c.text('/whoami'), 'ada');
      assert.equal(await c.text('/read'), '1', 'data survived regenerate');
      const old = await fetch(`${app.url}/whoami`, { headers: { cookie: `sid=${before}` } });
      assert.equal(await old.text(), 'anonymous', 'the pre-login id is dead');
    });

    it('periodic renewal: a new id once a period, the old one follows for the grace window only', async () => {
      const clock = { now: Date.now() };
      const renewing = createSessions<AppData>({
        store: new MemoryStore({ now: () => clock.now }),
        now: () => clock.now,
        cleanupInterval: false,
        cookie: { secure: 'auto' },
        renewal: { every: 15 * 60_000, grace: 30_000 },
      });
      const renewingApp = await start(renewing);
      try {
        const c = new CookieClient(renewingApp.url);
        const readWith = async (id: string) => {
          const res = await fetch(`${renewingApp.url}/read`, { headers: { cookie: `sid=${id}` } });
          return { body: await res.text(), setCookies: res.headers.getSetCookie() };
        };
        assert.equal(await c.text('/inc'), '1');
        const first = c.get('sid') as string;
        clock.now += 15 * 60_000 + 1;
        assert.equal(await c.text('/inc'), '2');
        const renewed = c.get('sid') as string;
        assert.notEqual(renewed, first, 'the first request of the new period got a new id');
        clock.now += 5_000;
        assert.deepEqual(await readWith(first), { body: '2', setCookies: [] }, 'the old id follows, no cookie');
        clock.now += 30_000;
        assert.equal((await readWith(first)).body, 'none', 'the old id is refused after the grace window');
        assert.equal(await c.text('/read'), '2');
      } finally {
        await renewingApp.close();
        await renewing.close();
      }
    });

    it('destroy: the cookie is expired and the record is gone', async () => {
      const c = client();
      await c.fetch('/login?user=bob');
      const id = c.get('sid') as string;
      const sizeBefore = store.size;
      const res = await c.fetch('/logout');
      assert.equal(await res.text(), 'ok');
      const cleared = c.lastSetCookies.find((h) => h.startsWith('sid='));
      assert.ok(cleared, 'logout sends a Set-Cookie for sid');
      assert.match(cleared, /Max-Age=0/i, 'the cookie is expired');
      assert.equal(c.get('sid'), undefined);
      assert.equal(store.size, sizeBefore - 1, 'the record was removed');
      const replay = await fetch(`${app.url}/whoami`, { headers: { cookie: `sid=${id}` } });
      assert.equal(await replay.text(), 'anonymous', 'the logged-out id is refused');
    });

    it('flashes: a message set before a redirect is read once', async () => {
      const c = client();
      await c.fetch('/login?user=cy');
      await c.fetch('/bye');
      assert.equal(await c.text('/flash'), '["bye"]');
      assert.equal(await c.text('/flash'), '[]');
    });

    it('guards: 401 JSON, redirect, 403 JSON, and the way through', async () => {
      const c = client();
      let res = await c.fetch('/private');
      assert.equal(res.status, 401);
      assert.match(res.headers.get('content-type') ?? '', /application\/json/);
      assert.equal((await res.json()).error, 'unauthenticated');
      res = await c.fetch('/members');
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), '/signin');
      res = await c.fetch('/admin');
      assert.equal(res.status, 401, 'anonymous users are unauthenticated, not forbidden');
      await c.fetch('/login?user=dee&role=viewer');
      assert.equal(await c.text('/private'), 'private');
      res = await c.fetch('/admin');
      assert.equal(res.status, 403);
      assert.equal((await res.json()).error, 'forbidden');
      await c.fetch('/login?user=dee&role=admin');
      res = await c.fetch('/admin');
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'admin');
    });

    it('a failing store gives 503, for reads and for writes, and the server keeps serving', async () => {
      const c = client();
      await c.text('/inc');
      store.failGet = true;
      try {
        const res = await c.fetch('/read');
        assert.equal(res.status, 503);
        assert.match(await res.text(), /unavailable/i);
      } finally {
        store.failGet = false;
      }
      store.failUpdate = true;
      try {
        const res = await c.fetch('/inc');
        assert.equal(res.status, 503);
        assert.doesNotMatch(await res.text(), /^2$/, 'the handler output is not sent after a failed write');
      } finally {
        store.failUpdate = false;
      }
      assert.equal(await c.text('/read'), '1', 'nothing half-written; still serving');
    });

    it('a failed login write replaces the redirect with a 503: no Location, no cookie', async () => {
      const c = client();
      store.failCreate = true;
      try {
        const res = await c.fetch('/login?user=mallory');
        assert.equal(res.status, 503);
        assert.equal(res.headers.get('location'), null);
        assert.deepEqual(c.lastSetCookies, []);
      } finally {
        store.failCreate = false;
      }
    });

    it('a slow request racing a logout cannot bring the session back (SECURITY 26)', async () => {
      const c = client();
      await c.fetch('/login?user=fay');
      await c.text('/inc');
      const cookie = c.cookieHeader();
      store.writeDelay = 60;
      try {
        const slow = fetch(`${app.url}/inc`, { headers: { cookie } });
        await new Promise((r) => setTimeout(r, 15));
        const logout = await fetch(`${app.url}/logout`, { headers: { cookie } });
        assert.equal(await logout.text(), 'ok');
        const late = await slow;
        await late.text();
        // No cookie at all: neither a revived session nor a clearing cookie that could
        // delete a newer one the browser got meanwhile (see docs/sessions-and-expiry.md).
        assert.deepEqual(late.headers.getSetCookie(), [], 'the late request sends no cookie');
      } finally {
        store.writeDelay = 0;
      }
      const replay = await fetch(`${app.url}/whoami`, { headers: { cookie } });
      assert.equal(await replay.text(), 'anonymous');
    });

    it('concurrent requests from many clients keep their own counts', async () => {
      const clients = Array.from({ length: 8 }, client);
      await Promise.all(clients.map((c) => c.text('/inc')));
      await Promise.all(clients.flatMap((c) => [c.text('/read'), c.text('/read')]));
      const rounds = 5;
      for (let i = 0; i < rounds; i++) await Promise.all(clients.map((c) => c.text('/inc')));
      const counts = await Promise.all(clients.map((c) => c.text('/read')));
      assert.deepEqual(
        counts,
        clients.map(() => String(rounds + 1)),
      );
      assert.equal(new Set(clients.map((c) => c.get('sid'))).size, clients.length);
    });

    it('a redirect right after login never races the next request (slow store)', async () => {
      store.writeDelay = 40;
      try {
        const c = client();
        const res = await c.fetch('/login?user=eve');
        assert.equal(res.status, 303);
        assert.equal(await c.text(res.headers.get('location') as string), 'eve');
      } finally {
        store.writeDelay = 0;
      }
    });
  });
}

/**
 * Two managers on one app (Hono's and Koa's `key` option), as the adapter tests build it: the
 * visitor's under 'session', the admin's ('admin' cookie, `{ level }`) under 'adminSession'.
 * Routes: /set (count 3, level 4), /admin-login (regenerate + sign in the admin session),
 * /read ('count,level'), /area (requireSession on the admin key).
 */
export type AdminData = { level: number };

export function twoManagers(): {
  users: SessionManager<AppData>;
  admins: SessionManager<AdminData>;
  close(): Promise<void>;
} {
  const users = createSessions<AppData>({ store: new MemoryStore(), cleanupInterval: false });
  const admins = createSessions<AdminData>({
    store: new MemoryStore(),
    cookie: { name: 'admin' },
    cleanupInterval: false,
  });
  return {
    users,
    admins,
    close: async () => {
      await users.close();
      await admins.close();
    },
  };
}

/** Walks the two-manager routes above: both cookies commit, each session and guard is its own. */
export async function checkTwoManagers(url: string): Promise<CookieClient> {
  const c = new CookieClient(url);
  assert.equal(await c.text('/set'), 'ok');
  assert.deepEqual(c.lastSetCookies.map((cookie) => cookie.split('=')[0]).sort(), ['admin', 'sid']);
  assert.equal(await c.text('/read'), '3,4');
  assert.equal((await c.fetch('/area')).status, 401, 'the admin session is not signed in yet');
  assert.equal(await c.text('/admin-login'), 'ok');
  assert.deepEqual(
    c.lastSetCookies.map((cookie) => cookie.split('=')[0]),
    ['admin'],
    'only the admin id renewed',
  );
  assert.equal(await c.text('/area'), 'admin area');
  assert.equal(await c.text('/read'), '3,4', 'regenerate keeps the data');
  return c;
}
