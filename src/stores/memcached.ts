/**
 * MemcachedStore (`sessionkit/memcached`): sessions in memcached through the application's
 * memjs client. Each session is one item (the whole record as JSON) with memcached's own
 * expiry. memjs's public methods do not expose CAS, so the store sends its requests through
 * memjs's `perform()` (same connections, same server selection) with the binary protocol's
 * CAS field set: create-only is ADD, and every update is a compare-and-swap of the record read
 * just before it, retried on conflict with the change re-applied, so two requests that change
 * different keys both keep their change and a commit can never bring back a deleted session.
 * No per-user index: memcached cannot enumerate or index items. See docs/memcached.md.
 */
import { createHash } from 'node:crypto';
import { type Codec, jsonCodec } from '../core/codec.js';
import { SessionError } from '../core/errors.js';
import { setOwn } from '../core/own.js';
import type { Change, SessionRecord } from '../core/store.js';
import type { Store } from '../core/store.js';
import { CircuitBreaker, type CircuitState, validateBreakerOptions } from './redis/circuit-breaker.js';

/** The parts of a memjs Client the store uses (memjs 1.x). */
export interface MemjsClientLike {
  seq: number;
  incrSeq(): void;
  perform(
    key: string,
    request: Buffer,
    seq: number,
    callback: (error: Error | null, response: MemcachedResponse | null) => void,
  ): void;
}

interface MemcachedResponse {
  header: { status: number; cas: Buffer };
  val: Buffer;
}

export interface MemcachedStoreOptions {
  /** Your memjs client (`memjs.Client.create('host:11211')`). */
  client: object;
  /** Prefix of every item key. Default 'sk:'. */
  prefix?: string;
  /** Codec for session data. Default JSON. */
  codec?: Codec;
  /** Longest wait for one memcached call, ms. Default 2000. */
  timeout?: number;
  /** Failures in a row that open the circuit breaker. Default 5. */
  breakerThreshold?: number;
  /** Time the open circuit waits before a probe, ms. Default 1000. */
  breakerCooldown?: number;
  /** Compare-and-swap attempts before an update gives up with 'store-unavailable'. Default 16. */
  casRetries?: number;
}

/** Binary protocol opcodes and statuses. */
const OP = { get: 0x00, set: 0x01, add: 0x02, delete: 0x04 } as const;
const STATUS_OK = 0;
const STATUS_NOT_FOUND = 1;
const STATUS_EXISTS = 2;
const NO_CAS = Buffer.alloc(8);

/** memcached reads an exptime above 30 days as an absolute Unix time. */
export const MAX_RELATIVE_EXPTIME = 30 * 24 * 3600;

/** The exptime field for an item that must expire at `expiresAt` (epoch ms); 0 if already past. */
export function exptimeFor(expiresAt: number, now: number): number {
  const seconds = Math.ceil((expiresAt - now) / 1000);
  if (seconds <= 0) return 0;
  return seconds > MAX_RELATIVE_EXPTIME ? Math.ceil(expiresAt / 1000) : seconds;
}

/** Keys memcached accepts as they are; anything else is hashed to such a key. */
const SAFE_KEY = /^[A-Za-z0-9_-]{1,200}$/;

interface Stored {
  record: SessionRecord;
  cas: Buffer;
}

export class MemcachedStore implements Store {
  readonly codec: Codec;
  /** The manager adds no timer of its own: every call carries its own timeout. */
  readonly boundsLatency = true;
  readonly prefix: string;
  readonly #client: MemjsClientLike;
  readonly #breaker: CircuitBreaker;
  readonly #casRetries: number;

  constructor(options: MemcachedStoreOptions) {
    const client = options?.client as Partial<MemjsClientLike> | undefined;
    if (!client || typeof client.perform !== 'function' || typeof client.incrSeq !== 'function') {
      throw new SessionError(
        'invalid-option',
        'MemcachedStore: client must be a memjs Client (memjs.Client.create(...))',
        {
          details: { option: 'client' },
        },
      );
    }
    this.#client = client as MemjsClientLike;
    this.prefix = options.prefix ?? 'sk:';
    if (typeof this.prefix !== 'string' || !/^[\x21-\x7e]*$/.test(this.prefix) || this.prefix.length > 40) {
      throw new SessionError(
        'invalid-option',
        'MemcachedStore: prefix must be a string of at most 40 characters without spaces',
        {
          details: { option: 'prefix' },
        },
      );
    }
    this.codec = options.codec ?? jsonCodec;
    const retries = options.casRetries ?? 16;
    if (!(Number.isInteger(retries) && retries >= 1)) {
      throw new SessionError(
        'invalid-option',
        `MemcachedStore: casRetries must be a positive integer (got ${retries})`,
        {
          details: { option: 'casRetries' },
        },
      );
    }
    this.#casRetries = retries;
    const { timeout, threshold, cooldown } = validateBreakerOptions('MemcachedStore', options);
    this.#breaker = new CircuitBreaker({ timeout, threshold, cooldown, name: 'MemcachedStore' });
  }

  get circuit(): CircuitState {
    return this.#breaker.state;
  }

  /** The memcached key of a session. */
  itemKey(key: string): string {
    return this.prefix + (SAFE_KEY.test(key) ? key : `h.${createHash('sha256').update(key).digest('base64url')}`);
  }

  async get(key: string): Promise<SessionRecord | undefined> {
    return (await this.#read('get', this.itemKey(key)))?.record;
  }

  async create(key: string, record: SessionRecord): Promise<boolean> {
    const item = this.itemKey(key);
    return this.#run('create', async () => {
      const value = this.#encode(record);
      const exptime = exptimeFor(record.expiresAt, Date.now());
      if (exptime === 0) return true; // already over: nothing to keep
      const status = await this.#send(OP.add, item, value, exptime, NO_CAS);
      if (status.header.status === STATUS_OK) return true;
      if (status.header.status !== STATUS_EXISTS) throw statusError('create', status.header.status);
      // memcached expires items on whole seconds: an item past its expiresAt may linger < 1 s.
      const current = await this.#fetch(item);
      if (current && !isOver(current.record)) return false;
      const cas = current?.cas ?? NO_CAS;
      const replaced = await this.#send(cas === NO_CAS ? OP.add : OP.set, item, value, exptime, cas);
      return replaced.header.status === STATUS_OK;
    });
  }

  async update(key: string, record: SessionRecord, change: Change): Promise<boolean> {
    return this.#compareAndSwap('update', key, (stored) => {
      const next: SessionRecord = { ...record, createdAt: stored.createdAt, deadline: record.deadline };
      if (change.cleared) {
        next.data = record.data;
      } else {
        const data = { ...stored.data };
        for (const k of change.deleted) delete data[k];
        for (const [k, v] of change.set) setOwn(data, k, v);
        next.data = data;
      }
      if (!change.flash) next.flash = stored.flash;
      if (next.flash === undefined) delete next.flash;
      return next;
    });
  }

  async touch(key: string, expiresAt: number, lastSeenAt: number): Promise<boolean> {
    return this.#compareAndSwap('touch', key, (stored) => ({ ...stored, expiresAt, lastSeenAt }));
  }

  async destroy(key: string): Promise<boolean> {
    const item = this.itemKey(key);
    return this.#run('destroy', async () => {
      const response = await this.#send(OP.delete, item, Buffer.alloc(0), -1, NO_CAS);
      if (response.header.status === STATUS_NOT_FOUND) return false;
      if (response.header.status !== STATUS_OK) throw statusError('destroy', response.header.status);
      return true;
    });
  }

  /** Nothing to release: the client is the application's. */
  async close(): Promise<void> {}

  /** Read, apply, write back only if nobody wrote in between; otherwise read again. */
  #compareAndSwap(operation: string, key: string, apply: (stored: SessionRecord) => SessionRecord): Promise<boolean> {
    const item = this.itemKey(key);
    return this.#run(operation, async () => {
      for (let attempt = 0; attempt < this.#casRetries; attempt++) {
        const current = await this.#fetch(item);
        if (!current || isOver(current.record)) return false;
        const next = apply(current.record);
        const exptime = exptimeFor(next.expiresAt, Date.now());
        if (exptime === 0) {
          await this.#send(OP.delete, item, Buffer.alloc(0), -1, NO_CAS);
          return true;
        }
        const response = await this.#send(OP.set, item, this.#encode(next), exptime, current.cas);
        if (response.header.status === STATUS_OK) return true;
        if (response.header.status === STATUS_NOT_FOUND) return false; // destroyed in between
        if (response.header.status !== STATUS_EXISTS) throw statusError(operation, response.header.status);
      }
      throw new SessionError(
        'store-unavailable',
        `MemcachedStore: ${operation} lost ${this.#casRetries} CAS races in a row`,
        {
          details: { operation },
        },
      );
    });
  }

  #read(operation: string, item: string): Promise<Stored | undefined> {
    return this.#run(operation, async () => {
      const current = await this.#fetch(item);
      return current && !isOver(current.record) ? current : undefined;
    });
  }

  async #fetch(item: string): Promise<Stored | undefined> {
    const response = await this.#send(OP.get, item, Buffer.alloc(0), -1, NO_CAS);
    if (response.header.status === STATUS_NOT_FOUND) return undefined;
    if (response.header.status !== STATUS_OK) throw statusError('get', response.header.status);
    const record = this.#decode(response.val);
    return record ? { record, cas: Buffer.from(response.header.cas) } : undefined;
  }

  /** One binary-protocol request through memjs's connection to the key's server. */
  #send(opcode: number, item: string, value: Buffer, exptime: number, cas: Buffer): Promise<MemcachedResponse> {
    const key = Buffer.from(item);
    let extras = Buffer.alloc(0);
    if (exptime >= 0) {
      extras = Buffer.alloc(8); // flags (0), exptime
      extras.writeUInt32BE(exptime, 4);
    }
    const request = Buffer.alloc(24 + extras.length + key.length + value.length);
    request.writeUInt8(0x80, 0);
    request.writeUInt8(opcode, 1);
    request.writeUInt16BE(key.length, 2);
    request.writeUInt8(extras.length, 4);
    request.writeUInt32BE(extras.length + key.length + value.length, 8);
    const client = this.#client;
    client.incrSeq();
    const seq = client.seq;
    request.writeUInt32BE(seq, 12);
    cas.copy(request, 16);
    extras.copy(request, 24);
    key.copy(request, 24 + extras.length);
    value.copy(request, 24 + extras.length + key.length);
    return new Promise((resolve, reject) => {
      client.perform(item, request, seq, (error, response) => {
        if (error || !response) reject(error ?? new Error('memcached: no response'));
        else resolve(response);
      });
    });
  }

  #encode(record: SessionRecord): Buffer {
    const stored: Record<string, unknown> = {
      c: record.createdAt,
      l: record.lastSeenAt,
      e: record.expiresAt,
      d: record.deadline,
      v: this.codec.encode(record.data),
    };
    if (record.flash && Object.keys(record.flash).length > 0) stored.f = this.codec.encode(record.flash);
    if (record.userId !== undefined) stored.u = record.userId;
    if (record.persistent) stored.p = 1;
    if (record.client) stored.cl = record.client;
    return Buffer.from(JSON.stringify(stored));
  }

  #decode(bytes: Buffer): SessionRecord | undefined {
    let stored: Record<string, unknown>;
    try {
      stored = JSON.parse(bytes.toString('utf8'));
    } catch {
      return undefined;
    }
    if (typeof stored?.v !== 'string' || typeof stored.e !== 'number') return undefined;
    const record: SessionRecord = {
      data: this.codec.decode(stored.v) as Record<string, unknown>,
      createdAt: stored.c as number,
      lastSeenAt: stored.l as number,
      expiresAt: stored.e as number,
      deadline: stored.d as number,
    };
    if (typeof stored.f === 'string') record.flash = this.codec.decode(stored.f) as SessionRecord['flash'];
    if (typeof stored.u === 'string') record.userId = stored.u;
    if (stored.p === 1) record.persistent = true;
    if (stored.cl && typeof stored.cl === 'object') record.client = stored.cl as SessionRecord['client'];
    return record;
  }

  #run<T>(operation: string, call: () => Promise<T>): Promise<T> {
    return this.#breaker.run(operation, call);
  }
}

function isOver(record: SessionRecord): boolean {
  const now = Date.now();
  return record.expiresAt <= now || record.deadline <= now;
}

function statusError(operation: string, status: number): SessionError {
  return new SessionError('store-unavailable', `MemcachedStore: memcached answered status ${status} to ${operation}`, {
    details: { operation, status },
  });
}
