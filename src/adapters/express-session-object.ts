/**
 * The `req.session` object of sessionkit/express-session: a plain object holding the data,
 * with express-session's methods and `cookie`, backed by a core Session. What the app
 * changed is found by comparing each key's JSON with what was loaded or last saved.
 */
import type { IncomingMessage } from 'node:http';
import type { SameSite } from '../core/cookie.js';
import type { SessionManager } from '../core/manager.js';
import type { RequestContext } from '../core/request.js';
import type { Session } from '../core/session.js';

type Callback = (error?: unknown) => void;

export type CompatRequest = IncomingMessage & {
  session?: CompatSession | null;
  sessionID?: string;
  sessionStore?: unknown;
};

/** Per-request state behind req.session. */
export interface RequestState {
  manager: SessionManager;
  core: Session;
  context: RequestContext;
  req: CompatRequest;
  /** JSON of each key as loaded or last saved: what changed is what differs. */
  snapshot: Map<string, string>;
  /** Set-Cookie headers from an explicit save(), sent with the response. */
  pending: string[];
}

export const STATE = Symbol('sessionkit.compat');

/** Puts a fresh req.session holding the core session's data on the request. */
export function attach(state: RequestState): void {
  const target = new CompatSession(state);
  state.snapshot.clear();
  for (const [key, value] of state.core.entries()) {
    (target as unknown as Record<string, unknown>)[key] = value;
    state.snapshot.set(key, JSON.stringify(value));
  }
  state.req.session = target;
}

/** express-session's Session methods, non-enumerable so they never reach the store. */
export class CompatSession {
  declare [STATE]: RequestState;
  declare readonly cookie: CompatCookie;
  constructor(state: RequestState) {
    Object.defineProperty(this, STATE, { value: state });
    Object.defineProperty(this, 'cookie', { value: new CompatCookie(state, state.manager), enumerable: false });
  }
  get id(): string {
    return this[STATE].core.id;
  }
  /** New id, empty data (as express-session; sessionkit's own regenerate() keeps data). */
  regenerate(callback?: Callback): Promise<void> | undefined {
    const state = this[STATE];
    state.core.destroy();
    attach(state);
    return settle(Promise.resolve(), callback);
  }
  /** Ends the session: record removed and cookie cleared when the response goes out. */
  destroy(callback?: Callback): Promise<void> | undefined {
    const state = this[STATE];
    state.core.destroy();
    state.req.session = undefined;
    return settle(Promise.resolve(), callback);
  }
  /** Re-reads the session from the store, dropping unsaved changes. */
  reload(callback?: Callback): Promise<void> | undefined {
    const state = this[STATE];
    const run = async () => {
      if (state.core.isNew) throw new Error('failed to load session');
      const { manager } = state;
      const ring = manager.options.keyRing;
      const value = ring ? await ring.signToken(manager.cookieName, state.core.id) : state.core.id;
      const fresh = await manager.load({ ...state.context, cookie: `${manager.cookieName}=${value}` });
      if (fresh.isNew) throw new Error('failed to load session');
      state.core = fresh;
      attach(state);
    };
    return settle(run(), callback);
  }
  /** Writes now (the response still waits for nothing more). */
  save(callback?: Callback): Promise<void> | undefined {
    const state = this[STATE];
    const run = async () => {
      syncInto(state, this);
      const result = await state.manager.commit(state.core);
      if (result.cookies.length > 0) state.pending = result.cookies;
    };
    return settle(run(), callback);
  }
  /** Writes the sliding expiry at the end of this request. */
  touch(): this {
    this[STATE].core.touch();
    return this;
  }
  resetMaxAge(): this {
    return this.touch();
  }
}

/** express-session's req.session.cookie, backed by the session's persistence and expiry. */
class CompatCookie {
  readonly #state: RequestState;
  readonly #manager: SessionManager;
  constructor(state: RequestState, manager: SessionManager) {
    this.#state = state;
    this.#manager = manager;
  }
  get originalMaxAge(): number | null {
    const seconds = this.#manager.options.cookie.maxAge;
    return this.#state.core.persistent ? (seconds > 0 ? seconds * 1000 : this.#manager.options.lifetime) : null;
  }
  get maxAge(): number | null {
    return this.#state.core.persistent ? Math.max(0, this.#state.core.expiresAt - Date.now()) : null;
  }
  /** A positive number makes the cookie persistent (until the session expires); null or 0 a browser-session cookie. */
  set maxAge(value: number | null) {
    this.#state.core.persist(typeof value === 'number' && value > 0);
  }
  get expires(): Date | null {
    return this.#state.core.persistent ? new Date(this.#state.core.expiresAt) : null;
  }
  set expires(value: Date | null | false) {
    this.#state.core.persist(value instanceof Date && value.getTime() > Date.now());
  }
  get httpOnly(): boolean {
    return this.#manager.options.cookie.httpOnly;
  }
  get path(): string {
    return this.#manager.options.cookie.path;
  }
  get domain(): string | undefined {
    return this.#manager.options.cookie.domain;
  }
  get secure(): boolean {
    return this.#state.context.secure === true || this.#manager.options.cookie.secure === true;
  }
  get sameSite(): SameSite {
    return this.#manager.options.cookie.sameSite;
  }
  toJSON() {
    return {
      originalMaxAge: this.originalMaxAge,
      expires: this.expires,
      httpOnly: this.httpOnly,
      path: this.path,
      domain: this.domain,
      sameSite: this.sameSite,
    };
  }
}

/** Copies what the app changed on req.session into the core session. */
export function syncInto(state: RequestState, target: object): void {
  const seen = new Set<string>();
  for (const key of Object.keys(target)) {
    const value = (target as Record<string, unknown>)[key];
    if (value === undefined || typeof value === 'function') continue;
    seen.add(key);
    const json = JSON.stringify(value);
    if (state.snapshot.get(key) === json) continue;
    state.core.set(key, value);
    state.snapshot.set(key, json);
  }
  for (const key of [...state.snapshot.keys()]) {
    if (seen.has(key)) continue;
    state.core.delete(key);
    state.snapshot.delete(key);
  }
}

function settle(promise: Promise<void>, callback: Callback | undefined): Promise<void> | undefined {
  if (!callback) return promise;
  promise.then(
    () => callback(),
    (error: unknown) => callback(error),
  );
  return undefined;
}
