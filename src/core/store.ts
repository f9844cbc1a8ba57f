/**
 * The contract between the core and a backend. A store never sees HTTP, cookies or
 * policy: it keeps records under opaque keys (a hash of the session id) and forgets
 * them when they expire.
 */
import type { Codec } from './codec.js';
import type { MaybePromise } from './maybe.js';

/** Where a session was used from; recorded for device lists and optional binding. */
export interface ClientInfo {
  userAgent?: string;
  ip?: string;
}

/** What a store keeps for one session. Times are epoch milliseconds. */
export interface SessionRecord {
  /** The application's data. */
  data: Record<string, unknown>;
  /** Flash messages waiting to be read, by key. */
  flash?: Record<string, unknown[]>;
  /** The user this session belongs to, for per-user listing and revocation. */
  userId?: string;
  createdAt: number;
  /** The last time the session's expiry was written (requests refresh it, throttled by touchAfter). */
  lastSeenAt: number;
  /** When the store may forget the record: min(deadline, lastSeenAt + idleTimeout). */
  expiresAt: number;
  /** The absolute end of the session, fixed at creation; renewals never move it. */
  deadline: number;
  /** True when the cookie outlives the browser session (remember-me). */
  persistent?: boolean;
  /** Where the session was created / last used. */
  client?: ClientInfo;
}

/**
 * What one request changed. A store that can apply partial updates writes only
 * these keys (plus the record's metadata), so two concurrent requests that change
 * different keys both keep their change. Others write the whole record.
 */
export interface Change {
  /** `clear()` was called: the stored data is replaced by `record.data`. */
  readonly cleared: boolean;
  /** Keys set by this request, with their new values. */
  readonly set: ReadonlyMap<string, unknown>;
  /** Keys deleted by this request. */
  readonly deleted: ReadonlySet<string>;
  /** The flash messages changed (written whole from `record.flash`). */
  readonly flash: boolean;
  /**
   * Whether the record's user, persistence or client info may differ from what the store
   * holds. `false`: they are as loaded, so a store may leave them alone and write only the
   * data, flashes and times. Absent: unknown, write them.
   */
  readonly meta?: boolean;
  /**
   * Whether `lastSeenAt` and `expiresAt` moved. `false`: they are as loaded (the sliding
   * expiry was not due), so a store may leave the times and its native expiry alone.
   * Absent: unknown, write them.
   */
  readonly times?: boolean;
}

/** One entry of a user's session list. */
export interface SessionInfo {
  key: string;
  userId: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  client?: ClientInfo;
}

/**
 * The five required methods may answer with a promise or, when the answer is at hand (an
 * in-process store), with the value itself: the manager then serves the request without a
 * promise in between. A store signals failure by throwing or by rejecting.
 */
export interface Store {
  /** Returns the record, or undefined when there is none or it has expired. */
  get(key: string): MaybePromise<SessionRecord | undefined>;
  /**
   * Create-only: stores the record unless the key already exists.
   * Returns false (and changes nothing) when it exists.
   */
  create(key: string, record: SessionRecord): MaybePromise<boolean>;
  /**
   * Update-only: writes the record (or just `change`) if the key still exists and
   * has not expired. Returns false (and writes nothing) when it is gone, so a slow
   * request can never bring back a session that was logged out or revoked.
   */
  update(key: string, record: SessionRecord, change: Change): MaybePromise<boolean>;
  /** Update-only: moves the expiry forward (sliding idle timeout). */
  touch(key: string, expiresAt: number, lastSeenAt: number): MaybePromise<boolean>;
  /** Removes the record. Returns whether it existed. */
  destroy(key: string): MaybePromise<boolean>;

  // Optional capabilities, detected at runtime.
  /** The codec the store serialises data with; `session.set()` validates against it. */
  readonly codec?: Codec;
  /**
   * True when the store bounds every call's latency itself (it runs in-process, or applies
   * its own timeout): the manager then adds no timer of its own around its calls.
   */
  readonly boundsLatency?: boolean;
  /**
   * Set when the store ends a user's oldest sessions beyond this many as a new one is
   * created (its `maxSessionsPerUser` option).
   */
  readonly maxSessionsPerUser?: number;
  /** Lists a user's live sessions. */
  listByUser?(userId: string): Promise<SessionInfo[]>;
  /** Destroys all of a user's sessions except `exceptKey`. Returns how many. */
  destroyByUser?(userId: string, exceptKey?: string): Promise<number>;
  /** Number of live sessions, where the backend can count them cheaply. */
  count?(): Promise<number>;
  /** Removes expired records; called periodically by the manager. Returns how many. */
  prune?(): Promise<number>;
  /** Releases timers and anything the store opened itself (never the user's client). */
  close?(): Promise<void>;
}
