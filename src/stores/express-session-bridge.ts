/**
 * The bridge between express-session's store API and sessionkit's Store contract, both ways:
 *
 * - `fromExpressSessionStore(store)`: any express-session store (connect-redis, connect-mongo,
 *   connect-pg-simple, ...) used as a sessionkit Store.
 * - `toExpressSessionStore(session, store)`: any sessionkit Store used inside express-session.
 *
 * Limits of the first direction: express-session stores only offer get/set/destroy, so
 * create-only, update-only and "did it exist" are emulated with a read before the write,
 * serialised per key inside this process. Across processes that is not atomic: a logout
 * racing a slow request on another instance can, in a narrow window, be undone, and there
 * are no partial updates (the whole record is written, so concurrent changes to different
 * keys can overwrite each other). Use a native sessionkit
 * store where those guarantees matter (SECURITY.md 26).
 */
import { SessionError } from '../core/errors.js';
import { storeKeyOf } from '../core/id.js';
import type { SessionRecord, Store } from '../core/store.js';

const YEAR = 365 * 24 * 60 * 60 * 1000;

type Callback<T = unknown> = (error?: unknown, value?: T) => void;

/** What sessionkit needs from an express-session store (its documented required methods, plus touch/length). */
export interface ExpressSessionStoreLike {
  get(sid: string, callback: Callback<unknown>): unknown;
  set(sid: string, session: unknown, callback?: Callback): unknown;
  destroy(sid: string, callback?: Callback): unknown;
  length?(callback: Callback<number>): unknown;
}

/** True for objects that look like express-session stores rather than sessionkit Stores. */
export function isExpressSessionStore(value: unknown): value is ExpressSessionStoreLike {
  const store = value as Partial<Store & ExpressSessionStoreLike> | null;
  return (
    !!store && typeof store.get === 'function' && typeof store.set === 'function' && typeof store.create !== 'function'
  );
}

function call<T>(run: (callback: Callback<T>) => unknown): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    try {
      // Some stores answer by callback and return a promise too; settle on whichever comes first.
      const returned = run((error, value) => (error ? reject(error) : resolve(value)));
      if (returned && typeof (returned as Promise<T>).then === 'function') (returned as Promise<T>).catch(reject);
    } catch (error) {
      reject(error);
    }
  });
}

/** The shape written into an express-session store: its `cookie` tells the store the TTL. */
interface WrappedRecord {
  cookie: { originalMaxAge: number; expires: string; httpOnly: true; path: '/' };
  sessionkit: SessionRecord;
}

export interface FromExpressSessionStoreOptions {
  /** Clock in epoch ms; inject one in tests. */
  now?: () => number;
}

/** A sessionkit Store over an express-session store (see the limits above). */
export function fromExpressSessionStore(
  store: ExpressSessionStoreLike,
  options: FromExpressSessionStoreOptions = {},
): Store {
  if (!isExpressSessionStore(store)) {
    throw new SessionError(
      'invalid-option',
      'fromExpressSessionStore: pass an express-session store (an object with get, set and destroy)',
    );
  }
  const now = options.now ?? Date.now;
  const read = async (key: string): Promise<SessionRecord | undefined> => {
    const value = (await call<unknown>((cb) => store.get(key, cb))) as WrappedRecord | null | undefined;
    const record = value?.sessionkit;
    if (!record || typeof record !== 'object' || record.expiresAt <= now()) return undefined;
    return record;
  };
  const write = async (key: string, record: SessionRecord): Promise<void> => {
    const wrapped: WrappedRecord = {
      cookie: {
        originalMaxAge: Math.max(0, record.expiresAt - now()),
        expires: new Date(record.expiresAt).toISOString(),
        httpOnly: true,
        path: '/',
      },
      sessionkit: record,
    };
    await call((cb) => store.set(key, wrapped, cb));
  };
  // Read-then-write runs one at a time per key, so it is atomic within this process (not across processes).
  const pending = new Map<string, Promise<unknown>>();
  const serial = <T>(key: string, run: () => Promise<T>): Promise<T> => {
    const result = (pending.get(key) ?? Promise.resolve()).then(run, run);
    const settled = result.catch(() => {});
    pending.set(key, settled);
    settled.then(() => pending.get(key) === settled && pending.delete(key));
    return result;
  };
  const bridged: Store = {
    get: read,
    create: (key, record) =>
      serial(key, async () => {
        if (await read(key)) return false;
        await write(key, record);
        return true;
      }),
    update: (key, record) =>
      serial(key, async () => {
        if (!(await read(key))) return false;
        await write(key, record);
        return true;
      }),
    touch: (key, expiresAt, lastSeenAt) =>
      serial(key, async () => {
        const record = await read(key);
        if (!record) return false;
        await write(key, { ...record, expiresAt, lastSeenAt });
        return true;
      }),
    destroy: (key) =>
      serial(key, async () => {
        const existed = (await read(key)) !== undefined;
        await call((cb) => store.destroy(key, cb));
        return existed;
      }),
  };
  if (typeof store.length === 'function')
    bridged.count = async () => (await call<number>((cb) => store.length!(cb))) ?? 0;
  return bridged;
}

/** express-session's module, or the parts of it this bridge needs. */
export interface ExpressSessionModule {
  Store: abstract new () => object;
}

export interface ToExpressSessionStoreOptions {
  /** How long a session lives when its cookie has no maxAge (a browser-session cookie). Default 1 day. */
  defaultTtl?: number;
  now?: () => number;
}

interface ExpressSessionData {
  cookie?: { expires?: string | Date | null; originalMaxAge?: number | null };
  [key: string]: unknown;
}

/**
 * An express-session store over a sessionkit Store. Pass express-session itself, so this
 * module does not depend on it: `store: toExpressSessionStore(session, new RedisStore(...))`.
 * Session ids are hashed before they reach the store (SECURITY.md 6).
 */
export function toExpressSessionStore<M extends ExpressSessionModule>(
  session: M,
  store: Store,
  options: ToExpressSessionStoreOptions = {},
): InstanceType<M['Store']> {
  if (!session || typeof session.Store !== 'function') {
    throw new SessionError(
      'invalid-option',
      'toExpressSessionStore: pass the express-session module first: toExpressSessionStore(session, store)',
    );
  }
  const defaultTtl = options.defaultTtl ?? 24 * 60 * 60 * 1000;
  const now = options.now ?? Date.now;
  const expiryOf = (sess: ExpressSessionData): number => {
    const expires = sess.cookie?.expires;
    const at = expires ? new Date(expires).getTime() : Number.NaN;
    return Number.isFinite(at) ? at : now() + defaultTtl;
  };
  const settle = <T>(promise: Promise<T>, callback: Callback<T> | undefined) => {
    promise.then(
      (value) => callback?.(null, value),
      (error: unknown) => callback?.(error),
    );
  };

  const Base = session.Store as new () => object;
  class SessionkitStore extends Base {
    get(sid: string, callback: Callback<ExpressSessionData | null>) {
      settle(
        (async () => {
          const record = await store.get(await storeKeyOf(sid));
          return record ? (record.data as ExpressSessionData) : null;
        })(),
        callback,
      );
    }
    set(sid: string, sess: ExpressSessionData, callback?: Callback) {
      settle(
        (async () => {
          const key = await storeKeyOf(sid);
          const at = now();
          const expiresAt = expiryOf(sess);
          // JSON round trip: express-session's Cookie object becomes plain data, as every store keeps it.
          const data = JSON.parse(JSON.stringify(sess)) as Record<string, unknown>;
          // express-session has no absolute lifetime; a year keeps touch() from ever hitting it.
          const deadline = Math.max(expiresAt, at + YEAR);
          const record: SessionRecord = { data, createdAt: at, lastSeenAt: at, expiresAt, deadline };
          const change = {
            cleared: true,
            set: new Map(Object.entries(data)),
            deleted: new Set<string>(),
            flash: false,
          };
          const existing = await store.get(key);
          if (existing) {
            record.createdAt = existing.createdAt;
            record.deadline = Math.max(existing.deadline, expiresAt);
            if (await store.update(key, record, change)) return;
          }
          if (!(await store.create(key, record))) await store.update(key, record, change);
        })(),
        callback,
      );
    }
    touch(sid: string, sess: ExpressSessionData, callback?: Callback) {
      settle(
        (async () => {
          const expiresAt = expiryOf(sess);
          await store.touch(await storeKeyOf(sid), expiresAt, now());
        })(),
        callback,
      );
    }
    destroy(sid: string, callback?: Callback) {
      settle(
        (async () => {
          await store.destroy(await storeKeyOf(sid));
        })(),
        callback,
      );
    }
    length(callback: Callback<number>) {
      if (typeof store.count !== 'function') return callback(new Error('this sessionkit store cannot count sessions'));
      settle(store.count(), callback);
    }
  }
  return new SessionkitStore() as InstanceType<M['Store']>;
}
