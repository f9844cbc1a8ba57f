/**
 * Auth: login, logout and the per-user session list on top of a SessionManager.
 * Login renews the session id (fixation), keeps the data, binds the user id, records the
 * time of authentication and, only with remember-me, makes the cookie persistent (the
 * absolute lifetime still ends it).
 */
import { SessionError, toStoreError, withTimeout } from '../core/errors.js';
import type { SessionManager } from '../core/manager.js';
import type { ClientInfo, SessionInfo } from '../core/store.js';
import {
  type BindingOptions,
  type BindingResult,
  bindingMarks,
  bindingMismatch,
  type ResolvedBinding,
  resolveBinding,
} from './binding.js';
import { rotateCsrf } from './csrf.js';
import { AuthError } from './errors.js';
import type { AuthEvent, AuthEventListener } from './events.js';
import { AUTH_KEY, type AnySession, readMarks, writeMarks } from './marks.js';

export interface AuthOptions {
  /**
   * Most live sessions per user. A login beyond it ends the user's oldest sessions (by
   * creation time). Needs a store with a per-user index. Default: no cap.
   */
  maxSessionsPerUser?: number;
  /** Bind sessions to the user agent and/or IP they logged in from. Default: no binding. */
  binding?: BindingOptions;
  /** Audit hook: login, logout, revocations, binding mismatches, CSRF rejections. */
  onEvent?: AuthEventListener;
  /** Clock in epoch ms; inject one in tests. */
  now?: () => number;
}

export interface LoginOptions {
  /** Keep the cookie after the browser closes (until the session's absolute lifetime). */
  rememberMe?: boolean;
  /** The client of the login request, for binding; default: the one the session recorded. */
  client?: ClientInfo;
}

/** One of the user's sessions, as a device list shows it. */
export interface DeviceSession extends SessionInfo {
  /** The session making this request. */
  current: boolean;
}

export class Auth {
  // biome-ignore lint/suspicious/noExplicitAny: any session data shape
  readonly manager: SessionManager<any>;
  readonly #cap: number;
  readonly #binding: ResolvedBinding;
  readonly #listener: AuthEventListener | undefined;
  readonly #now: () => number;

  // biome-ignore lint/suspicious/noExplicitAny: any session data shape
  constructor(manager: SessionManager<any>, options: AuthOptions = {}) {
    if (!manager || typeof manager.load !== 'function')
      throw new AuthError('invalid-option', 'createAuth: pass the SessionManager from createSessions()');
    this.manager = manager;
    const cap = options.maxSessionsPerUser ?? 0;
    if (!Number.isInteger(cap) || cap < 0) {
      throw new AuthError(
        'invalid-option',
        `createAuth: maxSessionsPerUser must be a positive integer, or 0 for no cap (got ${String(cap)})`,
      );
    }
    const store = manager.store;
    if (cap > 0 && (typeof store.listByUser !== 'function' || typeof store.destroy !== 'function')) {
      throw new AuthError(
        'invalid-option',
        'createAuth: maxSessionsPerUser needs a store with a per-user index (listByUser)',
      );
    }
    if (options.onEvent !== undefined && typeof options.onEvent !== 'function')
      throw new AuthError('invalid-option', 'createAuth: onEvent must be a function');
    this.#cap = cap;
    this.#binding = resolveBinding(options.binding);
    this.#listener = options.onEvent;
    this.#now = options.now ?? manager.options.now;
  }

  /**
   * Signs a user in on this session. The id is renewed at commit (the old one stops
   * working at once), the data is kept, the CSRF token rotated.
   */
  async login(session: AnySession, user: string | { id: string }, options: LoginOptions = {}): Promise<void> {
    const userId = typeof user === 'string' ? user : user?.id;
    if (typeof userId !== 'string' || userId === '')
      throw new TypeError('login: user must be a non-empty id or { id }');
    const now = this.#now();
    const replacing = session.userId === userId ? this.manager.keyOf(session) : undefined;
    if (session.userId !== undefined && session.userId !== userId) {
      // Another user signs in on this browser: nothing of the previous user's data survives.
      session.clear();
    }
    session.regenerate();
    session.userId = userId;
    session.persist(options.rememberMe === true);
    rotateCsrf(session);
    writeMarks(session, { at: now, ...bindingMarks(this.#binding, options.client ?? session.client) });
    if (this.#cap > 0) await this.#makeRoom(userId, replacing, now);
    this.#emit({
      type: 'login',
      at: now,
      userId,
      reason: options.rememberMe ? 'remember-me' : undefined,
      ip: (options.client ?? session.client)?.ip,
    });
  }

  /** Signs the user out: the record is removed at commit and the cookie cleared. */
  logout(session: AnySession): void {
    const userId = session.userId;
    const key = this.manager.keyOf(session);
    session.destroy();
    if (userId !== undefined) this.#emit({ type: 'logout', at: this.#now(), userId, key });
  }

  /**
   * Ends all of a user's sessions (account disabled, password changed), or all but the
   * current one with `exceptCurrent`. Returns how many ended.
   */
  async logoutEverywhere(userId: string, options: { exceptCurrent?: AnySession } = {}): Promise<number> {
    const count = await this.manager.destroyByUser(userId, options.exceptCurrent);
    this.#emit({ type: 'logout-everywhere', at: this.#now(), userId, count });
    return count;
  }

  /** The user's live sessions, newest activity first, the current one marked. */
  async listSessions(userId: string, current?: AnySession): Promise<DeviceSession[]> {
    const currentKey = current ? this.manager.keyOf(current) : undefined;
    const sessions = await this.manager.listByUser(userId);
    return sessions
      .map((info) => ({ ...info, current: info.key === currentKey }))
      .sort((a, b) => b.lastSeenAt - a.lastSeenAt);
  }

  /**
   * Ends one of the user's sessions by store key (from listSessions). Refuses (returns
   * false) when the key is not one of that user's sessions, so a user can only end their own.
   */
  async revokeSession(userId: string, key: string): Promise<boolean> {
    if (typeof key !== 'string' || key === '') return false;
    const sessions = await this.manager.listByUser(userId);
    if (!sessions.some((info) => info.key === key)) return false;
    const ended = await this.#destroyKey(key);
    if (ended) this.#emit({ type: 'session-revoked', at: this.#now(), userId, key });
    return ended;
  }

  /**
   * Checks the session against the binding recorded at login. With policy 'reject' a
   * mismatch ends the session (the caller should then treat the request as signed out);
   * with 'flag' it marks the session once and emits an event.
   */
  checkBinding(session: AnySession, client: ClientInfo | undefined): BindingResult {
    const marks = readMarks(session);
    if (!marks) return { ok: true };
    const mismatch = bindingMismatch(marks, client);
    if (mismatch === undefined) return marks.flagged ? { ok: true, flagged: marks.flagged } : { ok: true };
    const base = {
      type: 'binding-mismatch' as const,
      at: this.#now(),
      userId: session.userId,
      key: this.manager.keyOf(session),
      reason: mismatch,
      ip: client?.ip,
    };
    if (this.#binding.policy === 'reject') {
      session.destroy();
      this.#emit({ ...base, action: 'rejected' });
      return { ok: false, reason: mismatch };
    }
    if (!marks.flagged) {
      writeMarks(session, { ...marks, flagged: mismatch });
      this.#emit({ ...base, action: 'flagged' });
    }
    return { ok: true, flagged: marks.flagged ?? mismatch };
  }

  /** Reports a rejected CSRF check to the audit hook (the caller answers 403). */
  reportCsrfFailure(session: AnySession, ip?: string): void {
    this.#emit({
      type: 'csrf-rejected',
      at: this.#now(),
      userId: session.userId,
      key: this.manager.keyOf(session),
      ip,
    });
  }

  /** True when the session is signed in through login(). */
  isSignedIn(session: AnySession): boolean {
    return session.userId !== undefined && session.has(AUTH_KEY);
  }

  async #makeRoom(userId: string, replacing: string | undefined, now: number): Promise<void> {
    const others = (await this.manager.listByUser(userId)).filter((info) => info.key !== replacing);
    const excess = others.length - (this.#cap - 1);
    if (excess <= 0) return;
    others.sort((a, b) => a.createdAt - b.createdAt);
    for (const info of others.slice(0, excess)) {
      if (await this.#destroyKey(info.key)) this.#emit({ type: 'session-evicted', at: now, userId, key: info.key });
    }
  }

  async #destroyKey(key: string): Promise<boolean> {
    const { store, options } = this.manager;
    try {
      return await withTimeout(Promise.resolve(store.destroy(key)), options.storeTimeout, 'destroy');
    } catch (error) {
      throw error instanceof SessionError ? error : toStoreError(error, 'destroy');
    }
  }

  #emit(event: AuthEvent): void {
    if (event.reason === undefined) delete event.reason;
    if (event.ip === undefined) delete event.ip;
    if (!this.#listener) return;
    try {
      this.#listener(event);
    } catch {
      // An audit hook must not break a request.
    }
  }
}

/** Creates the auth helpers for a SessionManager; options are validated here. */
// biome-ignore lint/suspicious/noExplicitAny: any session data shape
export function createAuth(manager: SessionManager<any>, options?: AuthOptions): Auth {
  return new Auth(manager, options);
}
