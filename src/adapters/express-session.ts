/**
 * sessionkit/express-session: express-session's API on sessionkit's core, so an app
 * switches by changing one import. `req.session` is a plain object (assign properties as
 * before) with regenerate / destroy / reload / save / touch (callback or Promise), plus
 * `req.session.cookie`, `req.session.id` and `req.sessionID`. Changes are found by comparing
 * each key with what was loaded and written before the response headers go out.
 *
 * Deliberate differences are listed in docs/migrating-from-express-session.md.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isSessionError } from '../core/errors.js';
import { SessionManager } from '../core/manager.js';
import type { CookieOptions, SessionOptions } from '../core/options.js';
import type { SameSite } from '../core/cookie.js';
import type { Store } from '../core/store.js';
import {
  type ExpressSessionStoreLike,
  fromExpressSessionStore,
  isExpressSessionStore,
} from '../stores/express-session-bridge.js';
import { MemoryStore } from '../stores/memory.js';
import { expressRequestContext } from './express.js';
import { attach, type CompatRequest, type RequestState, STATE, syncInto } from './express-session-object.js';
import { commitBeforeHeaders, nodeRequestContext } from './node.js';

export { fromExpressSessionStore, toExpressSessionStore } from '../stores/express-session-bridge.js';

const HOUR = 3_600_000;

export interface CompatCookieOptions {
  /** Milliseconds, as in express-session. Makes the cookie persistent and sets the idle timeout. */
  maxAge?: number;
  /** Converted to a maxAge at start-up (express-session deprecates it too). */
  expires?: Date;
  httpOnly?: boolean;
  /** Default 'auto' (Secure except on plain-http localhost); express-session's default was false. */
  secure?: boolean | 'auto';
  /** true means 'strict'; false or unset mean 'lax' (sessionkit always sends SameSite). */
  sameSite?: boolean | SameSite | 'Lax' | 'Strict' | 'None';
  path?: string;
  domain?: string;
  partitioned?: boolean;
}

export interface CompatOptions {
  /** Cookie name. Default 'connect.sid'. */
  name?: string;
  /** Signs the cookie when every secret is at least 32 bytes (newest first); shorter ones are not used. */
  secret?: string | string[];
  /** A sessionkit Store or any express-session store. Default: sessionkit's MemoryStore. */
  store?: Store | ExpressSessionStoreLike;
  /** Write the session's expiry on every request even if nothing changed. Default false. */
  resave?: boolean;
  /** Accepted for compatibility; empty sessions are never stored (as with false). */
  saveUninitialized?: boolean;
  /** Re-send the cookie (and write the expiry) on every request. Default false. */
  rolling?: boolean;
  /** Accepted for compatibility and ignored: ids are always 256 random bits (SECURITY.md 1). */
  genid?: (req: IncomingMessage) => string;
  /** true: believe X-Forwarded-Proto; false: never; unset: Express's 'trust proxy' decides. */
  proxy?: boolean;
  /** What happens when req.session is deleted or set to null: 'keep' (default) or 'destroy'. */
  unset?: 'keep' | 'destroy';
  cookie?: CompatCookieOptions;
  /** sessionkit: absolute lifetime in ms. Default 7 days, or cookie.maxAge if longer. */
  lifetime?: number;
  /** sessionkit: idle timeout in ms. Default cookie.maxAge, or 24 hours. */
  idleTimeout?: number | false;
  /** sessionkit options passed through (events, timeouts). */
  onEvent?: SessionOptions['onEvent'];
  storeTimeout?: number;
}

type Next = (error?: unknown) => void;

let warnedGenid = false;
let warnedSecret = false;

export function session(options: CompatOptions = {}): ((
  req: IncomingMessage,
  res: ServerResponse,
  next: Next,
) => void) & {
  manager: SessionManager;
} {
  const manager = new SessionManager(toSessionOptions(options));
  const trustProxy = options.proxy ?? false;
  const useExpressTrust = options.proxy === undefined;
  const unsetDestroys = options.unset === 'destroy';
  const writeEveryTime = options.resave === true || options.rolling === true;
  const sessionStore = options.store ?? manager.store;
  const { cacheControl } = manager.options;
  const cacheHeaders: [string, string][] = cacheControl === false ? [] : [['Cache-Control', cacheControl]];

  const toNext = (error: unknown, next: Next) => {
    // Express's error handling answers with err.status: a store outage becomes a 503.
    if (isSessionError(error, 'store-unavailable') || isSessionError(error, 'store-timeout')) {
      Object.assign(error, { status: 503, statusCode: 503, expose: false });
    }
    next(error);
  };

  const middleware = (req: CompatRequest, res: ServerResponse, next: Next) => {
    if (req.session) return next(); // mounted twice
    const context = useExpressTrust ? expressRequestContext(req, false) : nodeRequestContext(req, trustProxy);
    manager.load(context).then(
      (core) => {
        const state: RequestState = { manager, core, context, req, snapshot: new Map(), pending: [] };
        attach(state);
        req.sessionStore = sessionStore;
        Object.defineProperty(req, 'sessionID', { configurable: true, enumerable: true, get: () => state.core.id });
        commitBeforeHeaders(
          res,
          async () => {
            const current = req.session;
            if (current && current[STATE] === state) syncInto(state, current);
            else if (!current && unsetDestroys) state.core.destroy();
            if (writeEveryTime && !state.core.isNew) state.core.touch();
            const result = await state.manager.commit(state.core);
            if (state.pending.length === 0 || result.cookies.length > 0) return result;
            // Cookies from an explicit save() earlier in the request.
            return { cookies: state.pending, headers: cacheHeaders };
          },
          (error) => toNext(error, next),
        );
        next();
      },
      (error: unknown) => toNext(error, next),
    );
  };
  return Object.assign(middleware, { manager: manager as SessionManager });
}

/** `new session.MemoryStore()` keeps working: it is sessionkit's MemoryStore. */
session.MemoryStore = MemoryStore;

export default session;

function toSessionOptions(options: CompatOptions): SessionOptions {
  if (options.genid !== undefined && !warnedGenid) {
    warnedGenid = true;
    console.warn('sessionkit/express-session: genid is ignored; session ids are always 256 random bits.');
  }
  const cookie = options.cookie ?? {};
  let maxAge = cookie.maxAge;
  if (maxAge === undefined && cookie.expires instanceof Date) maxAge = cookie.expires.getTime() - Date.now();
  if (maxAge !== undefined && maxAge !== null && !(typeof maxAge === 'number' && maxAge > 0)) {
    throw new TypeError('sessionkit/express-session: cookie.maxAge must be a positive number of milliseconds');
  }
  const sameSite =
    cookie.sameSite === true
      ? 'strict'
      : cookie.sameSite === false || cookie.sameSite === undefined
        ? 'lax'
        : cookie.sameSite.toLowerCase();
  const coreCookie: CookieOptions = {
    name: options.name ?? 'connect.sid',
    path: cookie.path,
    domain: cookie.domain,
    secure: cookie.secure,
    httpOnly: cookie.httpOnly,
    sameSite: sameSite as SameSite,
    partitioned: cookie.partitioned,
    maxAge: maxAge ? Math.ceil(maxAge / 1000) : 0,
  };
  const idleTimeout = options.idleTimeout ?? maxAge ?? 24 * HOUR;
  const lifetime = options.lifetime ?? Math.max(7 * 24 * HOUR, idleTimeout === false ? 0 : idleTimeout);
  const store =
    options.store === undefined
      ? new MemoryStore()
      : isExpressSessionStore(options.store)
        ? fromExpressSessionStore(options.store)
        : options.store;
  const secrets = options.secret === undefined ? [] : Array.isArray(options.secret) ? options.secret : [options.secret];
  const strong =
    secrets.length > 0 && secrets.every((secret) => typeof secret === 'string' && Buffer.byteLength(secret) >= 32);
  if (secrets.length > 0 && !strong && !warnedSecret) {
    warnedSecret = true;
    console.warn(
      'sessionkit/express-session: secret is shorter than 32 bytes, so cookies are not signed (ids are unguessable anyway). Use `npx sessionkit keygen` for one.',
    );
  }
  return {
    store,
    cookie: coreCookie,
    lifetime,
    idleTimeout,
    keys: strong ? secrets : undefined,
    onEvent: options.onEvent,
    storeTimeout: options.storeTimeout,
  };
}
