/**
 * MemoryStore: sessions in this process's memory. For development, tests and
 * single-process apps. Bounded (about the least recently used sessions are evicted first),
 * expiry enforced on read and by prune(), partial updates, a per-user index, and no
 * timers of its own.
 */
import { type Codec, jsonCodec } from '../core/codec.js';
import { SessionError } from '../core/errors.js';
import type { MaybePromise } from '../core/maybe.js';
import { setOwn } from '../core/own.js';
import { Recency } from '../core/recency.js';
import type { Change, SessionInfo, SessionRecord, Store } from '../core/store.js';

export interface MemoryStoreOptions {
  /** Most sessions kept; the least recently used go first. Default 100 000. */
  maxSessions?: number;
  /** Codec for values (each key is stored encoded, so callers never share objects). Default JSON. */
  codec?: Codec;
  /** Clock in epoch ms; inject one in tests. */
  now?: () => number;
  /** Suppresses the warning printed when NODE_ENV is 'production'. */
  quiet?: boolean;
}

interface Entry {
  /**
   * The data as [key, encoded value, key, encoded value, ...]: a read decodes every value
   * into a private copy, and an update encodes only the keys it changed.
   */
  data: string[];
  flash: string | undefined;
  meta: Omit<SessionRecord, 'data' | 'flash'>;
  /** When the entry last moved to the back of the eviction order (see Recency). */
  moved: number;
}

let warned = false;

export class MemoryStore implements Store {
  readonly codec: Codec;
  /** In-process: no call can hang, so the manager needs no timer around them. */
  readonly boundsLatency = true;
  readonly #entries = new Map<string, Entry>();
  /**
   * Walks #entries from the oldest entry as entries are evicted; everything behind it is
   * gone. A fresh `keys().next()` for each eviction would step over every slot that earlier
   * deletes left at the front of V8's table: tens of µs per new session at the cap.
   */
  #oldest: IterableIterator<string> = this.#entries.keys();
  readonly #byUser = new Map<string, Set<string>>();
  readonly #max: number;
  readonly #now: () => number;
  readonly #recency: Recency;

  constructor(options: MemoryStoreOptions = {}) {
    const max = options.maxSessions ?? 100_000;
    if (!Number.isInteger(max) || max < 1) {
      throw new SessionError(
        'invalid-option',
        `MemoryStore: maxSessions must be a positive integer (got ${String(max)})`,
      );
    }
    this.#max = max;
    this.#recency = new Recency(max);
    this.codec = options.codec ?? jsonCodec;
    this.#now = options.now ?? Date.now;
    if (!options.quiet && !warned && globalThis.process?.env?.NODE_ENV === 'production') {
      warned = true;
      console.warn(
        'sessionkit: MemoryStore keeps sessions in one process and loses them on restart; ' +
          'use a persistent store (sqlite, redis, postgres, ...) in production, or pass { quiet: true }.',
      );
    }
  }

  /** Number of sessions held, expired ones included until pruned or read. */
  get size(): number {
    return this.#entries.size;
  }

  // The five contract methods answer at once (typed MaybePromise so subclasses may wait):
  // the manager then serves a request without waiting a microtask for the store.

  get(key: string): MaybePromise<SessionRecord | undefined> {
    const entry = this.#live(key);
    if (!entry) return undefined;
    // Map order is the eviction order; a busy session is not re-inserted on every read.
    this.#recency.use(this.#entries, key, entry);
    const meta = entry.meta;
    const record: SessionRecord = {
      data: decodeData(entry.data, this.codec),
      createdAt: meta.createdAt,
      lastSeenAt: meta.lastSeenAt,
      expiresAt: meta.expiresAt,
      deadline: meta.deadline,
    };
    if (entry.flash !== undefined) record.flash = this.codec.decode(entry.flash) as SessionRecord['flash'];
    if (meta.userId !== undefined) record.userId = meta.userId;
    if (meta.persistent) record.persistent = true;
    if (meta.client) record.client = { ...meta.client };
    return record;
  }

  create(key: string, record: SessionRecord): MaybePromise<boolean> {
    if (this.#live(key)) return false;
    this.#put(key, {
      data: encodeData(record.data, this.codec),
      flash: this.#encodeFlash(record),
      meta: metaOf(record),
      moved: this.#recency.stamp(),
    });
    return true;
  }

  update(key: string, record: SessionRecord, change: Change): MaybePromise<boolean> {
    const entry = this.#live(key);
    if (!entry) return false;
    // Only this request's changes, applied to what is stored now: a concurrent request's
    // changes to other keys survive.
    if (change.cleared) entry.data = encodeData(record.data, this.codec);
    else applyChange(entry.data, change, this.codec);
    if (change.flash) entry.flash = this.#encodeFlash(record);
    const previousUser = entry.meta.userId;
    entry.meta = metaOf(record);
    if (previousUser !== record.userId) {
      this.#unindex(key, previousUser);
      this.#index(key, record.userId);
    }
    return true;
  }

  touch(key: string, expiresAt: number, lastSeenAt: number): MaybePromise<boolean> {
    const entry = this.#live(key);
    if (!entry) return false;
    entry.meta.expiresAt = expiresAt;
    entry.meta.lastSeenAt = lastSeenAt;
    return true;
  }

  destroy(key: string): MaybePromise<boolean> {
    const entry = this.#entries.get(key);
    if (!entry) return false;
    this.#remove(key, entry);
    return entry.meta.expiresAt > this.#now();
  }

  async listByUser(userId: string): Promise<SessionInfo[]> {
    const keys = this.#byUser.get(userId);
    if (!keys) return [];
    const list: SessionInfo[] = [];
    for (const key of [...keys]) {
      const entry = this.#live(key);
      if (!entry) continue;
      const { createdAt, lastSeenAt, expiresAt, client } = entry.meta;
      list.push(
        client
          ? { key, userId, createdAt, lastSeenAt, expiresAt, client }
          : { key, userId, createdAt, lastSeenAt, expiresAt },
      );
    }
    return list.sort((a, b) => a.createdAt - b.createdAt);
  }

  async destroyByUser(userId: string, exceptKey?: string): Promise<number> {
    const keys = this.#byUser.get(userId);
    if (!keys) return 0;
    let count = 0;
    for (const key of [...keys]) {
      if (key === exceptKey) continue;
      const entry = this.#entries.get(key);
      if (!entry) continue;
      if (entry.meta.expiresAt > this.#now()) count++;
      this.#remove(key, entry);
    }
    return count;
  }

  async count(): Promise<number> {
    return this.#entries.size;
  }

  async prune(): Promise<number> {
    const now = this.#now();
    let removed = 0;
    for (const [key, entry] of this.#entries) {
      if (isExpired(entry, now)) {
        this.#remove(key, entry);
        removed++;
      }
    }
    return removed;
  }

  async close(): Promise<void> {
    this.#entries.clear();
    this.#byUser.clear();
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (isExpired(entry, this.#now())) {
      this.#remove(key, entry);
      return undefined;
    }
    return entry;
  }

  #put(key: string, entry: Entry): void {
    this.#entries.set(key, entry);
    this.#index(key, entry.meta.userId);
    while (this.#entries.size > this.#max) {
      let next = this.#oldest.next();
      if (next.done) {
        // The walk reached the end (the map was emptied meanwhile): start again at the front.
        this.#oldest = this.#entries.keys();
        next = this.#oldest.next();
      }
      const oldest = next.value as string;
      this.#remove(oldest, this.#entries.get(oldest) as Entry);
    }
  }

  #remove(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#unindex(key, entry.meta.userId);
  }

  #index(key: string, userId: string | undefined): void {
    if (userId === undefined) return;
    let keys = this.#byUser.get(userId);
    if (!keys) this.#byUser.set(userId, (keys = new Set()));
    keys.add(key);
  }

  #unindex(key: string, userId: string | undefined): void {
    if (userId === undefined) return;
    const keys = this.#byUser.get(userId);
    if (!keys) return;
    keys.delete(key);
    if (keys.size === 0) this.#byUser.delete(userId);
  }

  #encodeFlash(record: SessionRecord): string | undefined {
    return record.flash && Object.keys(record.flash).length > 0 ? this.codec.encode(record.flash) : undefined;
  }
}

function encodeData(data: Record<string, unknown>, codec: Codec): string[] {
  const pairs: string[] = [];
  for (const key of Object.keys(data)) pairs.push(key, codec.encode(data[key]));
  return pairs;
}

function decodeData(pairs: string[], codec: Codec): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (let i = 0; i < pairs.length; i += 2) setOwn(data, pairs[i] as string, codec.decode(pairs[i + 1] as string));
  return data;
}

/** Encodes first, then changes the stored pairs, so a value that fails to encode changes nothing. */
function applyChange(pairs: string[], change: Change, codec: Codec): void {
  const encoded: [string, string][] = [];
  for (const [key, value] of change.set) encoded.push([key, codec.encode(value)]);
  for (const key of change.deleted) {
    const at = indexOfKey(pairs, key);
    if (at >= 0) pairs.splice(at, 2);
  }
  for (const [key, value] of encoded) {
    const at = indexOfKey(pairs, key);
    if (at >= 0) pairs[at + 1] = value;
    else pairs.push(key, value);
  }
}

function indexOfKey(pairs: string[], key: string): number {
  for (let i = 0; i < pairs.length; i += 2) if (pairs[i] === key) return i;
  return -1;
}

function isExpired(entry: Entry, now: number): boolean {
  return entry.meta.expiresAt <= now || entry.meta.deadline <= now;
}

function metaOf(record: SessionRecord): Entry['meta'] {
  const meta: Entry['meta'] = {
    createdAt: record.createdAt,
    lastSeenAt: record.lastSeenAt,
    expiresAt: record.expiresAt,
    deadline: record.deadline,
  };
  if (record.userId !== undefined) meta.userId = record.userId;
  if (record.persistent) meta.persistent = true;
  if (record.client) meta.client = { ...record.client };
  return meta;
}
