/**
 * RedistoreStore: sessions in the layout of Go's boj/redistore with its JSONSerializer (the
 * Redis store behind gin-contrib/sessions), so a Gin app and a sessionkit app can share
 * sessions during a migration. Key `session_<id>`, value a JSON object of the session's
 * values, expiry set with the write (SET ... PXAT, the millisecond form of SETEX).
 *
 * The store key it is given IS the Go session id (the gorilla cookie codec in
 * `sessionkit/gorilla` decodes it from the cookie). sessionkit's own metadata rides inside
 * the same JSON object under the value key `__sessionkit` (Go's JSONSerializer loads and
 * saves it untouched); a session written by Go alone has none, and gets defaults when read.
 * Whole-record writes (Go rewrites the whole value too), atomic create-only (NX) and
 * update-only (XX); no per-user index. See docs/redis.md.
 */
import { jsonCodec } from '../core/codec.js';
import { SessionError } from '../core/errors.js';
import type { Change, SessionRecord, Store } from '../core/store.js';
import { CircuitBreaker, validateBreakerOptions } from './redis/circuit-breaker.js';
import { type RedisClientLike, type RedisDriver, Script, driverFor } from './redis/driver.js';
import { setOwn } from '../core/own.js';
import { goJson } from './redis/go-json.js';

/** The value key holding sessionkit's metadata inside the Go session. */
export const META_KEY = '__sessionkit';
/** Go's flash key (session.AddFlash without a key). */
const GO_FLASH_KEY = '_flash';

export interface RedistoreStoreOptions {
  /** Your connected ioredis or node-redis client (the Redis the Go app uses). */
  client: RedisClientLike;
  /** redistore's key prefix. Default 'session_' (redistore's default). */
  keyPrefix?: string;
  /**
   * Absolute lifetime assumed for a session Go created (Go records no creation time), ms.
   * Default 30 days, redistore's default MaxAge.
   */
  goMaxAge?: number;
  /** Longest wait for one Redis call, ms. Default 2000. */
  timeout?: number;
  breakerThreshold?: number;
  breakerCooldown?: number;
}

/** Fixed-width numbers, so the touch script can rewrite them in place without parsing JSON. */
const pad = (n: number) => String(Math.max(0, Math.round(n))).padStart(15, '0');

/** The value and its remaining time to live (ms), in one round trip. */
const getScript = new Script(`return {redis.call('GET', KEYS[1]), redis.call('PTTL', KEYS[1])}`);

/**
 * Moves the expiry and rewrites lastSeenAt/expiresAt in place: the metadata string starts
 * `"__sessionkit":"<c 15> <l 15> <e 15> ...`. ARGV: expiresAt, lastSeenAt (15 digits each), expiresAt.
 */
const touchScript = new Script(`
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
local s, e = string.find(v, '"${META_KEY}":"', 1, true)
if s then v = string.sub(v, 1, e + 16) .. ARGV[2] .. ' ' .. ARGV[1] .. string.sub(v, e + 48) end
redis.call('SET', KEYS[1], v, 'PXAT', ARGV[3])
return 1
`);

export class RedistoreStore implements Store {
  readonly codec = jsonCodec;
  /** The manager adds no timer of its own: every call carries its own timeout. */
  readonly boundsLatency = true;
  readonly keyPrefix: string;
  readonly #driver: RedisDriver;
  readonly #breaker: CircuitBreaker;
  readonly #goMaxAge: number;

  constructor(options: RedistoreStoreOptions) {
    if (!options?.client) {
      throw new SessionError('invalid-option', 'RedistoreStore: pass { client } with your connected Redis client', {
        details: { option: 'client' },
      });
    }
    this.#driver = driverFor(options.client);
    this.keyPrefix = options.keyPrefix ?? 'session_';
    this.#goMaxAge = options.goMaxAge ?? 30 * 24 * 3600 * 1000;
    if (!(this.#goMaxAge > 0)) {
      throw new SessionError(
        'invalid-option',
        `RedistoreStore: goMaxAge must be a positive number of ms (got ${options.goMaxAge})`,
        {
          details: { option: 'goMaxAge' },
        },
      );
    }
    const { timeout, threshold, cooldown } = validateBreakerOptions('RedistoreStore', options);
    this.#breaker = new CircuitBreaker({ timeout, threshold, cooldown, name: 'RedistoreStore' });
  }

  redisKey(id: string): string {
    return this.keyPrefix + id;
  }

  async get(key: string): Promise<SessionRecord | undefined> {
    const rkey = this.redisKey(key);
    const [value, pttl] = (await this.#run('get', () => getScript.run(this.#driver, [rkey], []))) as [
      string | null,
      number,
    ];
    if (value == null) return undefined;
    return this.#decode(String(value), Number(pttl));
  }

  async create(key: string, record: SessionRecord): Promise<boolean> {
    const rkey = this.redisKey(key);
    const reply = await this.#run('create', () =>
      this.#driver.send(rkey, ['SET', rkey, this.encode(record), 'PXAT', String(record.expiresAt), 'NX']),
    );
    return reply != null;
  }

  async update(key: string, record: SessionRecord, _change: Change): Promise<boolean> {
    const rkey = this.redisKey(key);
    const reply = await this.#run('update', () =>
      this.#driver.send(rkey, ['SET', rkey, this.encode(record), 'PXAT', String(record.expiresAt), 'XX']),
    );
    return reply != null;
  }

  async touch(key: string, expiresAt: number, lastSeenAt: number): Promise<boolean> {
    const rkey = this.redisKey(key);
    const reply = await this.#run('touch', () =>
      touchScript.run(this.#driver, [rkey], [pad(expiresAt), pad(lastSeenAt), String(expiresAt)]),
    );
    return Number(reply) === 1;
  }

  async destroy(key: string): Promise<boolean> {
    const rkey = this.redisKey(key);
    return Number(await this.#run('destroy', () => this.#driver.send(rkey, ['DEL', rkey]))) === 1;
  }

  async close(): Promise<void> {}

  /** The Redis value for a record: Go-style JSON of the data, flashes, and our metadata. */
  encode(record: SessionRecord): string {
    const values: Record<string, unknown> = {};
    for (const k of Object.keys(record.data)) setOwn(values, k, record.data[k]);
    for (const [k, list] of Object.entries(record.flash ?? {})) if (list.length > 0) setOwn(values, k, list);
    const fixed = [record.createdAt, record.lastSeenAt, record.expiresAt, record.deadline].map(pad).join(' ');
    const rest = JSON.stringify([
      record.userId ?? null,
      record.persistent ? 1 : 0,
      record.client?.userAgent ?? null,
      record.client?.ip ?? null,
      Object.keys(record.flash ?? {}),
    ]);
    values[META_KEY] = `${fixed} ${rest}`;
    return goJson(values);
  }

  #decode(text: string, pttl: number): SessionRecord | undefined {
    let values: Record<string, unknown>;
    try {
      values = JSON.parse(text);
    } catch {
      return undefined; // a gob-encoded session (redistore's default serializer): not ours to read
    }
    if (values === null || typeof values !== 'object' || Array.isArray(values)) return undefined;
    const now = Date.now();
    const meta = typeof values[META_KEY] === 'string' ? parseMeta(values[META_KEY] as string) : undefined;
    delete values[META_KEY];
    const flashKeys = meta?.flashKeys ?? [GO_FLASH_KEY];
    const flash: Record<string, unknown[]> = {};
    for (const k of flashKeys) {
      if (Array.isArray(values[k])) {
        setOwn(flash, k, values[k] as unknown[]);
        delete values[k];
      }
    }
    const expiresAt = pttl > 0 ? now + pttl : (meta?.expiresAt ?? now);
    const record: SessionRecord = meta
      ? {
          data: values,
          createdAt: meta.createdAt,
          lastSeenAt: meta.lastSeenAt,
          expiresAt: meta.expiresAt,
          deadline: meta.deadline,
        }
      : { data: values, createdAt: now, lastSeenAt: now, expiresAt, deadline: now + this.#goMaxAge };
    if (Object.keys(flash).length > 0) record.flash = flash;
    if (meta?.userId != null) record.userId = meta.userId;
    if (meta?.persistent) record.persistent = true;
    if (meta && (meta.userAgent != null || meta.ip != null)) {
      record.client = {};
      if (meta.userAgent != null) record.client.userAgent = meta.userAgent;
      if (meta.ip != null) record.client.ip = meta.ip;
    }
    return record;
  }

  #run<T>(operation: string, call: () => Promise<T>): Promise<T> {
    return this.#breaker.run(operation, call, this.#driver.connected());
  }
}

interface Meta {
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  deadline: number;
  userId: string | null;
  persistent: boolean;
  userAgent: string | null;
  ip: string | null;
  flashKeys: string[];
}

function parseMeta(text: string): Meta | undefined {
  const [c, l, e, d] = [0, 16, 32, 48].map((at) => Number(text.slice(at, at + 15)));
  try {
    const [userId, persistent, userAgent, ip, flashKeys] = JSON.parse(text.slice(64));
    return {
      createdAt: c!,
      lastSeenAt: l!,
      expiresAt: e!,
      deadline: d!,
      userId,
      persistent: persistent === 1,
      userAgent,
      ip,
      flashKeys,
    };
  } catch {
    return undefined;
  }
}
