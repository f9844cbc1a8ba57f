/**
 * Options, their defaults, and start-up validation. Every rejection says which option
 * to change and how.
 */
import { clientSideCodecOf } from './client-side.js';
import { checkPrefixRules, isValidCookieName, type SameSite } from './cookie.js';
import { SessionError } from './errors.js';
import type { EventListener } from './events.js';
import { type KeyInput, KeyRing } from './keyring.js';
import type { RenewalOptions, ResolvedRenewal } from './renewal.js';
import type { Store } from './store.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * Timeout presets after OWASP ASVS re-authentication levels: L1 allows 30 days, L2
 * 12 hours or 30 minutes idle, L3 12 hours or 15 minutes idle. L2 is the default.
 */
export const presets = {
  'asvs-l1': { lifetime: 30 * DAY, idleTimeout: false },
  'asvs-l2': { lifetime: 12 * HOUR, idleTimeout: 30 * MINUTE },
  'asvs-l3': { lifetime: 12 * HOUR, idleTimeout: 15 * MINUTE },
} as const satisfies Record<string, { lifetime: number; idleTimeout: number | false }>;

export type Preset = keyof typeof presets;

export interface CookieOptions {
  /** Default `sid`. Use `__Host-sid` in production for the strongest browser guarantees. */
  name?: string;
  /** Default '/'. */
  path?: string;
  /** Default none (host-only cookie). */
  domain?: string;
  /**
   * Default 'auto': Secure on every request except plain-http requests to localhost,
   * 127.0.0.0/8 or [::1]. `true` always sets Secure; `false` never does (not advised).
   */
  secure?: boolean | 'auto';
  /** Default 'lax'. */
  sameSite?: SameSite;
  /** Default true. Turning it off exposes the session id to scripts. */
  httpOnly?: boolean;
  /** CHIPS partitioned cookie. Requires secure. */
  partitioned?: boolean;
  /**
   * gorilla/sessions-style MaxAge in seconds: 0 or unset gives browser-session cookies
   * (the default); a positive value makes every session's cookie persistent for at most
   * that long (never past the session's expiry).
   */
  maxAge?: number;
}

export interface SessionOptions {
  store: Store;
  cookie?: CookieOptions;
  /** Timeout preset; `lifetime` and `idleTimeout` override it. Default 'asvs-l2'. */
  preset?: Preset;
  /** Absolute lifetime in ms, counted from creation, never extended. */
  lifetime?: number;
  /** Idle timeout in ms, counted from the last request; false for none. */
  idleTimeout?: number | false;
  /**
   * Share of the idle window that must pass before a request moves the expiry (0 = every
   * request). Default 0.1: with a 30-minute idle timeout, at most one expiry write every 3
   * minutes per session. Reads and writes alike: a write inside the window stores its data
   * and leaves the expiry where it was.
   */
  touchAfter?: number;
  /** Cache-Control sent with every response that sets a session cookie. Default 'no-store'; false to leave it. */
  cacheControl?: string | false;
  /** How often (ms) to ask the store to prune expired records, if it can. Default 5 minutes; false to never. */
  cleanupInterval?: number | false;
  /** Longest wait (ms) for one store operation before a 'store-timeout' error. Default 5000. */
  storeTimeout?: number;
  /** Lifecycle events for metrics and audit logs. */
  onEvent?: EventListener;
  /** Clock in whole epoch ms, like Date.now; inject one in tests. */
  now?: () => number;
  /**
   * Signs the session-id cookie of server-side stores (`<id>.<signature>`), newest key
   * first, so forged ids are refused without a store read. 32 random bytes as base64url
   * (`npx sessionkit keygen`) or passphrases of >= 32 bytes. Not used by CookieStore,
   * which takes its own keys.
   */
  keys?: readonly KeyInput[] | KeyInput | KeyRing;
  /**
   * How the session id travels. 'cookie' (default); 'bearer': only in an
   * `Authorization: Bearer <id>` header, and commit() returns the id as `token` instead
   * of a cookie (API clients); 'both': a request with a bearer header uses it, any other
   * uses the cookie.
   */
  transport?: SessionTransport;
  /**
   * Periodic id renewal, off by default: `{ every, grace }` in ms. The first request of
   * each period of `every` ms (counted from the session's creation) gets a new id; the
   * old one still reaches the session for `grace` ms (default 30 seconds) so requests
   * already in flight are not logged out, and is refused after that. Server-side stores,
   * cookie transport only.
   */
  renewal?: RenewalOptions | false;
}

export type SessionTransport = 'cookie' | 'bearer' | 'both';

export interface ResolvedCookieOptions {
  name: string;
  path: string;
  domain: string | undefined;
  secure: boolean | 'auto';
  sameSite: SameSite;
  httpOnly: boolean;
  partitioned: boolean;
  maxAge: number;
}

export interface ResolvedOptions {
  store: Store;
  cookie: ResolvedCookieOptions;
  lifetime: number;
  idleTimeout: number | false;
  touchAfter: number;
  cacheControl: string | false;
  cleanupInterval: number | false;
  storeTimeout: number;
  onEvent: EventListener | undefined;
  now: () => number;
  /** Signs session ids when `keys` was given. */
  keyRing: KeyRing | undefined;
  transport: SessionTransport;
  renewal: ResolvedRenewal | undefined;
}

function invalid(option: string, message: string): never {
  throw new SessionError('invalid-option', `sessionkit: option ${option} ${message}`, { details: { option } });
}

function positiveMs(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    invalid(option, `must be a positive number of milliseconds (got ${String(value)})`);
  }
  return value;
}

export function resolveOptions(options: SessionOptions): ResolvedOptions {
  if (!options || typeof options !== 'object') invalid('(all)', 'must be an object with at least { store }');
  const { store } = options;
  if (!store || typeof store.get !== 'function' || typeof store.create !== 'function') {
    invalid('store', 'must be a Store (for example new MemoryStore() from sessionkit/memory)');
  }
  for (const method of ['update', 'touch', 'destroy'] as const) {
    if (typeof store[method] !== 'function')
      invalid('store', `is missing the ${method}() method of the Store contract`);
  }

  const presetName = options.preset ?? 'asvs-l2';
  const preset = presets[presetName];
  if (!preset) invalid('preset', `must be one of ${Object.keys(presets).join(', ')} (got ${String(presetName)})`);

  const lifetime = positiveMs('lifetime', options.lifetime ?? preset.lifetime);
  const idleRaw = options.idleTimeout === undefined ? preset.idleTimeout : options.idleTimeout;
  const idleTimeout = idleRaw === false ? false : positiveMs('idleTimeout', idleRaw);
  if (idleTimeout !== false && idleTimeout > lifetime) {
    invalid('idleTimeout', `(${idleTimeout} ms) is longer than lifetime (${lifetime} ms); it would never apply`);
  }
  const touchAfter = options.touchAfter ?? 0.1;
  if (typeof touchAfter !== 'number' || !(touchAfter >= 0 && touchAfter < 1)) {
    invalid(
      'touchAfter',
      `must be a share of the idle window, from 0 up to (not including) 1 (got ${String(touchAfter)})`,
    );
  }
  const cacheControl = options.cacheControl ?? 'no-store';
  if (cacheControl !== false && (typeof cacheControl !== 'string' || !cacheControl)) {
    invalid('cacheControl', "must be a Cache-Control value such as 'no-store', or false");
  }
  const cleanupInterval =
    options.cleanupInterval === false ? false : positiveMs('cleanupInterval', options.cleanupInterval ?? 5 * MINUTE);
  const storeTimeout = positiveMs('storeTimeout', options.storeTimeout ?? 5000);
  if (options.onEvent !== undefined && typeof options.onEvent !== 'function') invalid('onEvent', 'must be a function');
  if (options.now !== undefined && typeof options.now !== 'function')
    invalid('now', 'must be a function returning epoch ms');
  const transport = options.transport ?? 'cookie';
  if (transport !== 'cookie' && transport !== 'bearer' && transport !== 'both') {
    invalid('transport', `must be 'cookie', 'bearer' or 'both' (got ${String(transport)})`);
  }

  return {
    store,
    renewal: resolveRenewal(options.renewal, lifetime, store),
    cookie: resolveCookie(options.cookie ?? {}),
    lifetime,
    idleTimeout,
    touchAfter,
    cacheControl,
    cleanupInterval,
    storeTimeout,
    onEvent: options.onEvent,
    now: options.now ?? Date.now,
    keyRing: options.keys === undefined || options.keys instanceof KeyRing ? options.keys : new KeyRing(options.keys),
    transport,
  };
}

function resolveRenewal(
  renewal: RenewalOptions | false | undefined,
  lifetime: number,
  store: Store,
): ResolvedRenewal | undefined {
  if (renewal === undefined || renewal === false) return undefined;
  if (typeof renewal !== 'object' || renewal === null) {
    invalid('renewal', 'must be { every, grace } in milliseconds, or false');
  }
  if (clientSideCodecOf(store)) {
    invalid('renewal', 'needs a server-side store: a cookie store keeps no record an old id could be retired from');
  }
  if (store.maxSessionsPerUser) {
    invalid(
      'renewal',
      "cannot be combined with the store's maxSessionsPerUser: a renewal writes the new record before it retires the old one, so the store would count the session twice and end another. Cap sessions at login instead: createAuth(manager, { maxSessionsPerUser })",
    );
  }
  const every = positiveMs('renewal.every', renewal.every);
  if (every >= lifetime) {
    invalid(
      'renewal.every',
      `(${every} ms) is not shorter than lifetime (${lifetime} ms); no session would be renewed`,
    );
  }
  const grace = renewal.grace ?? 30_000;
  if (typeof grace !== 'number' || !Number.isFinite(grace) || grace < 0) {
    invalid('renewal.grace', `must be zero or a positive number of milliseconds (got ${String(grace)})`);
  }
  if (grace >= every) invalid('renewal.grace', `(${grace} ms) must be shorter than renewal.every (${every} ms)`);
  return { every, grace };
}

function resolveCookie(cookie: CookieOptions): ResolvedCookieOptions {
  const name = cookie.name ?? 'sid';
  if (typeof name !== 'string' || !isValidCookieName(name)) {
    invalid('cookie.name', `must be a cookie name (letters, digits and !#$%&'*+-.^_\`|~), got ${JSON.stringify(name)}`);
  }
  const secure = cookie.secure ?? 'auto';
  if (secure !== true && secure !== false && secure !== 'auto')
    invalid('cookie.secure', "must be true, false or 'auto'");
  const sameSite = cookie.sameSite ?? 'lax';
  if (sameSite !== 'lax' && sameSite !== 'strict' && sameSite !== 'none') {
    invalid('cookie.sameSite', `must be 'lax', 'strict' or 'none' (got ${String(sameSite)})`);
  }
  const maxAge = cookie.maxAge ?? 0;
  if (typeof maxAge !== 'number' || !Number.isFinite(maxAge)) invalid('cookie.maxAge', 'must be a number of seconds');
  if (maxAge < 0) {
    invalid(
      'cookie.maxAge',
      'cannot be negative here: a negative MaxAge deletes a cookie; call session.destroy() for that',
    );
  }
  const resolved: ResolvedCookieOptions = {
    name,
    path: cookie.path ?? '/',
    domain: cookie.domain,
    secure,
    sameSite,
    httpOnly: cookie.httpOnly ?? true,
    partitioned: cookie.partitioned ?? false,
    maxAge,
  };
  if (!resolved.path.startsWith('/')) invalid('cookie.path', "must start with '/'");
  // Prefix and SameSite rules must hold for every request, so check them as they will
  // be sent when Secure is weakest ('auto' drops it on plain-http localhost).
  if ((name.startsWith('__Host-') || name.startsWith('__Secure-')) && secure !== true) {
    invalid(
      'cookie.secure',
      `must be true for a cookie named ${name} (browsers reject prefixed cookies without Secure)`,
    );
  }
  if (sameSite === 'none' && secure !== true) {
    invalid('cookie.sameSite', "'none' requires cookie.secure: true (browsers reject SameSite=None without Secure)");
  }
  checkPrefixRules(name, {
    secure: secure === true,
    domain: resolved.domain,
    path: resolved.path,
    sameSite,
    partitioned: resolved.partitioned && secure === true,
  });
  if (resolved.partitioned && secure !== true) invalid('cookie.partitioned', 'requires cookie.secure: true');
  return resolved;
}
