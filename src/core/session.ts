/**
 * One request's view of a session. Reads are synchronous; every change is recorded
 * (which keys were set or deleted) and written by `SessionManager.commit()`.
 */
import type { Codec } from './codec.js';
import { newSessionId } from './id.js';
import { setOwn } from './own.js';
import { RETIRED_KEY } from './renewal.js';
import type { ClientInfo, SessionRecord } from './store.js';

export type SessionData = Record<string, unknown>;

/** @internal What the manager needs to know about a session; not part of the public API. */
export interface SessionState {
  id: string;
  /** Store key of the record this session was loaded from or last written to. */
  persistedKey: string | undefined;
  /** Keys of records to remove at commit (destroyed or replaced sessions). */
  destroyKeys: string[];
  data: Record<string, unknown>;
  flash: Record<string, unknown[]> | undefined;
  set: Map<string, unknown> | undefined;
  deleted: Set<string> | undefined;
  cleared: boolean;
  flashChanged: boolean;
  /** userId or persistence changed: the record must be written. */
  metaChanged: boolean;
  /** A new id must replace the persisted one at commit. */
  regenerate: boolean;
  /** The new id is a periodic renewal: the old one stays usable for the grace window. */
  renewing: boolean;
  /**
   * Loaded through a renewed id's retired record: the browser holds (or is getting) a
   * newer id that this request does not know, so no cookie is issued for the old one.
   */
  followed: boolean;
  /** touch() was called: write the expiry even if not due. */
  touch: boolean;
  /** Send a Set-Cookie that removes the cookie, unless a new session takes its place. */
  clearCookie: boolean;
  /** The cookie's attributes changed (persistence): re-issue it. */
  cookieChanged: boolean;
  createdAt: number;
  deadline: number;
  lastSeenAt: number;
  expiresAt: number;
  userId: string | undefined;
  persistent: boolean;
  client: ClientInfo | undefined;
  /** Secure attribute for this request's cookies. */
  secure: boolean;
  /** How the id travels: in a cookie, or as a bearer token that commit() returns. */
  transport: 'cookie' | 'bearer';
  /** Client-side stores only: what the request's cookies were, kept until commit. */
  cookieInfo: CookieInfo | undefined;
}

/** @internal What a client-side store (CookieStore) remembers about a session between load and commit. */
export interface CookieInfo {
  /** Cookies of ours the request carried (head + chunks), so stale ones can be expired. */
  present: Set<number>;
  /** When the session was last created or regenerated (revocation compares against it). */
  issuedAt: number;
  /** Opened with an older key: re-seal with the newest on this response. */
  reseal: boolean;
}

/** @internal */
export const STATE: unique symbol = Symbol('sessionkit.state');

/** @internal Per-manager settings a session needs to reset itself. */
export interface SessionContext {
  codec: Codec;
  now: () => number;
  lifetime: number;
  idleTimeout: number | false;
  persistentByDefault: boolean;
}

export class Session<T extends SessionData = SessionData> {
  /** @internal */
  readonly [STATE]: SessionState;
  readonly #ctx: SessionContext;

  /** @internal Sessions are made by SessionManager.load(). */
  constructor(ctx: SessionContext, state: SessionState) {
    this.#ctx = ctx;
    this[STATE] = state;
  }

  /** The session id (the cookie value). Changes on regenerate() and destroy(). */
  get id(): string {
    return this[STATE].id;
  }
  /** True until the session has been written to the store. */
  get isNew(): boolean {
    return this[STATE].persistedKey === undefined;
  }
  /** Epoch ms when the session was created. Kept across regenerate(). */
  get createdAt(): number {
    return this[STATE].createdAt;
  }
  /** Epoch ms when the session ends unless used again (idle) or at the latest (absolute). */
  get expiresAt(): number {
    return this[STATE].expiresAt;
  }
  /** Epoch ms of the absolute end of the session; never extended. */
  get deadline(): number {
    return this[STATE].deadline;
  }
  /** Epoch ms of the last recorded activity. */
  get lastSeenAt(): number {
    return this[STATE].lastSeenAt;
  }
  /** The user this session belongs to; set it on login so the user's sessions can be listed and revoked. */
  get userId(): string | undefined {
    return this[STATE].userId;
  }
  set userId(value: string | undefined) {
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      throw new TypeError('session.userId must be a non-empty string or undefined');
    }
    const state = this[STATE];
    if (state.userId === value) return;
    state.userId = value;
    state.metaChanged = true;
  }
  /** Whether the cookie outlives the browser session (remember-me). */
  get persistent(): boolean {
    return this[STATE].persistent;
  }
  /** 'bearer' when the id travels in an Authorization header (see the `transport` option). */
  get transport(): 'cookie' | 'bearer' {
    return this[STATE].transport;
  }
  /** Where the session was created (user agent, IP), when the adapter supplied it. */
  get client(): ClientInfo | undefined {
    return this[STATE].client;
  }

  /** The value under `key`; only the session's own keys, never what objects inherit (`toString`). */
  get<K extends keyof T & string>(key: K): T[K] | undefined {
    const data = this[STATE].data;
    return Object.hasOwn(data, key) ? (data[key] as T[K]) : undefined;
  }

  has(key: keyof T & string): boolean {
    return Object.hasOwn(this[STATE].data, key);
  }

  /** Stores a value. It must survive the store's codec unchanged (JSON by default), or this throws. */
  set<K extends keyof T & string>(key: K, value: T[K]): this {
    if (typeof key !== 'string' || key === '') throw new TypeError('session keys must be non-empty strings');
    if (key === RETIRED_KEY) throw new TypeError(`session key ${JSON.stringify(key)} is reserved by sessionkit`);
    this.#ctx.codec.validate(value, key);
    const state = this[STATE];
    setOwn(state.data, key, value);
    (state.set ??= new Map()).set(key, value);
    state.deleted?.delete(key);
    return this;
  }

  delete(key: keyof T & string): boolean {
    const state = this[STATE];
    if (!Object.hasOwn(state.data, key)) return false;
    delete state.data[key];
    state.set?.delete(key);
    (state.deleted ??= new Set()).add(key);
    return true;
  }

  /** Removes every key (flashes and the user binding stay; use destroy() to end the session). */
  clear(): void {
    const state = this[STATE];
    state.data = {};
    state.set = undefined;
    state.deleted = undefined;
    state.cleared = true;
  }

  keys(): string[] {
    return Object.keys(this[STATE].data);
  }

  entries(): [string, unknown][] {
    return Object.entries(this[STATE].data);
  }

  /** A shallow copy of the data. */
  toJSON(): Partial<T> {
    return { ...this[STATE].data } as Partial<T>;
  }

  /** Queues a one-time message, read by the next flashes(key). */
  flash(key: string, value: unknown): void {
    this.#ctx.codec.validate(value, `flash.${key}`);
    const state = this[STATE];
    const flash = (state.flash ??= {});
    // Own keys only: `toString` or `__proto__` is a key like any other.
    if (Object.hasOwn(flash, key)) (flash[key] as unknown[]).push(value);
    else setOwn(flash, key, [value]);
    state.flashChanged = true;
  }

  /** Returns the queued messages for key and removes them. */
  flashes<V = unknown>(key: string): V[] {
    const state = this[STATE];
    const flash = state.flash;
    if (flash === undefined || !Object.hasOwn(flash, key)) return [];
    const messages = flash[key] as V[];
    delete flash[key];
    state.flashChanged = true;
    return messages;
  }

  /**
   * Gives the session a new id, keeping its data, creation time and absolute deadline.
   * Call it on login and on every privilege change. At commit the old id stops working.
   */
  regenerate(): void {
    const state = this[STATE];
    state.id = newSessionId();
    // A login's new id must end the old one at once, not after a renewal's grace window.
    state.renewing = state.followed = false;
    if (state.persistedKey !== undefined) state.regenerate = true;
  }

  /**
   * Ends the session: at commit the record is removed and the cookie cleared. The object
   * starts over as a new, empty session, so a message flashed after logout still works.
   */
  destroy(): void {
    const state = this[STATE];
    if (state.persistedKey !== undefined) state.destroyKeys.push(state.persistedKey);
    const now = this.#ctx.now();
    Object.assign(state, freshState(this.#ctx, now, state.secure, state.client, state.transport), {
      destroyKeys: state.destroyKeys,
      clearCookie: true,
      cookieInfo: state.cookieInfo,
    });
  }

  /** Writes the sliding expiry at commit even if the throttle would skip it. */
  touch(): void {
    this[STATE].touch = true;
  }

  /**
   * Makes the cookie persistent (remember-me) or a browser-session cookie again.
   * The absolute lifetime still applies.
   */
  persist(persistent = true): void {
    const state = this[STATE];
    if (state.persistent === persistent) return;
    state.persistent = persistent;
    state.metaChanged = true;
    state.cookieChanged = true;
  }
}

/** @internal The state of a brand-new, empty session. */
export function freshState(
  ctx: SessionContext,
  now: number,
  secure: boolean,
  client: ClientInfo | undefined,
  transport: 'cookie' | 'bearer' = 'cookie',
): SessionState {
  const deadline = now + ctx.lifetime;
  return {
    id: newSessionId(),
    persistedKey: undefined,
    destroyKeys: [],
    data: {},
    flash: undefined,
    set: undefined,
    deleted: undefined,
    cleared: false,
    flashChanged: false,
    metaChanged: false,
    regenerate: false,
    renewing: false,
    followed: false,
    touch: false,
    clearCookie: false,
    cookieChanged: false,
    createdAt: now,
    deadline,
    lastSeenAt: now,
    expiresAt: ctx.idleTimeout === false ? deadline : Math.min(deadline, now + ctx.idleTimeout),
    userId: undefined,
    persistent: ctx.persistentByDefault,
    client,
    secure,
    transport,
    cookieInfo: undefined,
  };
}

/** @internal The state of a session loaded from a record. */
export function loadedState(
  id: string,
  key: string,
  record: SessionRecord,
  secure: boolean,
  transport: 'cookie' | 'bearer' = 'cookie',
): SessionState {
  return {
    id,
    persistedKey: key,
    destroyKeys: [],
    data: record.data,
    flash: record.flash,
    set: undefined,
    deleted: undefined,
    cleared: false,
    flashChanged: false,
    metaChanged: false,
    regenerate: false,
    renewing: false,
    followed: false,
    touch: false,
    clearCookie: false,
    cookieChanged: false,
    createdAt: record.createdAt,
    deadline: record.deadline,
    lastSeenAt: record.lastSeenAt,
    expiresAt: record.expiresAt,
    userId: record.userId,
    persistent: record.persistent ?? false,
    client: record.client,
    secure,
    transport,
    cookieInfo: undefined,
  };
}

/** @internal Whether the session holds anything worth storing. */
export function hasContent(state: SessionState): boolean {
  if (state.userId !== undefined) return true;
  for (const _ in state.data) return true;
  if (state.flash) for (const _ in state.flash) return true;
  return false;
}

/** @internal The record a store keeps for this state (without the client for cookie sessions, to stay small). */
export function toRecord(state: SessionState, withClient = true): SessionRecord {
  const record: SessionRecord = {
    data: state.data,
    createdAt: state.createdAt,
    lastSeenAt: state.lastSeenAt,
    expiresAt: state.expiresAt,
    deadline: state.deadline,
  };
  if (state.flash && Object.keys(state.flash).length > 0) record.flash = state.flash;
  if (state.userId !== undefined) record.userId = state.userId;
  if (state.persistent) record.persistent = true;
  if (withClient && state.client) record.client = state.client;
  return record;
}
