/**
 * RedisStore (`sessionkit/redis`): sessions in Redis or Valkey, through the client the
 * application already has (ioredis Redis / Cluster / Sentinel, or node-redis v5 client /
 * cluster). One round trip per load and per commit; expiry is Redis's own (PEXPIREAT at the
 * record's expiresAt); commits write only the data keys that changed; create-only and
 * update-only are atomic Lua scripts; a per-user index lists and revokes a user's sessions
 * without scanning the keyspace. Every call is bounded by `timeout` and goes through a
 * circuit breaker, so a dead Redis costs a fast, typed SessionError. See docs/redis.md.
 */
import { type Codec, jsonCodec } from '../core/codec.js';
import { SessionError } from '../core/errors.js';
import type { Change, SessionInfo, SessionRecord, Store } from '../core/store.js';
import { CircuitBreaker, type CircuitState, validateBreakerOptions } from './redis/circuit-breaker.js';
import { type RedisClientLike, type RedisDriver, driverFor } from './redis/driver.js';
import {
  allFields,
  clientOf,
  contentUpdate,
  fromReply,
  movingTimes,
  parseTimes,
  updateArguments,
} from './redis/fields.js';
import { ClusterIndex } from './redis/cluster-index.js';
import {
  createScript,
  destroyByUserScript,
  destroyScript,
  listScript,
  touchScript,
  updateScript,
} from './redis/scripts.js';

export type { RedisClientLike } from './redis/driver.js';
export { RedistoreStore, type RedistoreStoreOptions } from './redistore.js';

export interface RedisStoreOptions {
  /** Your connected client: ioredis `Redis` / `Cluster`, or node-redis v5 `createClient()` / `createCluster()`. */
  client: RedisClientLike;
  /** Prefix of every key the store writes. Default 'sk:'. */
  prefix?: string;
  /** Codec for data values. Default JSON. */
  codec?: Codec;
  /** Most live sessions per user; creating one more evicts the oldest. Default: no cap. */
  maxSessionsPerUser?: number;
  /** Longest wait for one Redis call, ms, before a 'store-timeout' error. Default 2000. */
  timeout?: number;
  /** Failures in a row that open the circuit breaker. Default 5. */
  breakerThreshold?: number;
  /** Time the open circuit waits before letting a probe through, ms. Default 1000. */
  breakerCooldown?: number;
  /**
   * Treat the client as a Redis Cluster client (scripts then touch one slot only, and the
   * per-user index is kept with separate, non-atomic commands). Default: detected.
   */
  cluster?: boolean;
}

export class RedisStore implements Store {
  readonly codec: Codec;
  /** The manager adds no timer of its own: every call carries its own timeout. */
  readonly boundsLatency = true;
  readonly prefix: string;
  readonly #driver: RedisDriver;
  readonly #breaker: CircuitBreaker;
  readonly #cap: number;
  /** The prefix scripts use to reach the index themselves; '' on Cluster. */
  readonly #scriptPrefix: string;
  readonly #clusterIndex: ClusterIndex | undefined;

  /** The cap on a user's live sessions this store enforces at create, if any. */
  get maxSessionsPerUser(): number | undefined {
    return this.#cap || undefined;
  }

  constructor(options: RedisStoreOptions) {
    if (!options || typeof options !== 'object' || !options.client) {
      throw new SessionError(
        'invalid-option',
        'RedisStore: pass { client } with your connected ioredis or node-redis client',
        {
          details: { option: 'client' },
        },
      );
    }
    const driver = driverFor(options.client);
    const cluster = options.cluster ?? driver.cluster;
    this.#driver = cluster === driver.cluster ? driver : { ...driver, cluster };
    const prefix = options.prefix ?? 'sk:';
    if (typeof prefix !== 'string') invalid('prefix', prefix, "a string such as 'myapp:sess:'");
    this.prefix = prefix;
    const cap = options.maxSessionsPerUser ?? 0;
    if (!(Number.isInteger(cap) && cap >= 0))
      invalid('maxSessionsPerUser', cap, 'a positive integer (or 0 for no cap)');
    this.#cap = cap;
    this.codec = options.codec ?? jsonCodec;
    const { timeout, threshold, cooldown } = validateBreakerOptions('RedisStore', options);
    this.#breaker = new CircuitBreaker({ timeout, threshold, cooldown, name: 'RedisStore' });
    this.#scriptPrefix = cluster ? '' : prefix;
    this.#clusterIndex = cluster ? new ClusterIndex(this.#driver, prefix, cap) : undefined;
  }

  /** 'cluster' when scripts are confined to one slot and the per-user index is kept non-atomically. */
  get mode(): 'standalone' | 'cluster' {
    return this.#clusterIndex ? 'cluster' : 'standalone';
  }

  /** 'closed' when healthy, 'open' while failing fast, 'half-open' while probing. */
  get circuit(): CircuitState {
    return this.#breaker.state;
  }

  /** The Redis key of a session's hash. */
  sessionKey(key: string): string {
    return `${this.prefix}s:${key}`;
  }

  /** The Redis key of a user's index. */
  userKey(userId: string): string {
    return `${this.prefix}u:${userId}`;
  }

  get(key: string): Promise<SessionRecord | undefined> {
    // The functions are made once: a load makes no closure of its own.
    return this.#breaker.run('get', this.#hgetall, this.#driver.connected(), this.#toRecord, this.sessionKey(key));
  }

  readonly #hgetall = (rkey: string): Promise<unknown> => {
    const driver = this.#driver;
    return (driver.sendForBytes ?? driver.send)(rkey, ['HGETALL', rkey]);
  };

  /**
   * The record in an HGETALL reply. A hash that is there but is no session (no `c`: what a
   * late write to a session that was gone leaves when its clean-up `DEL` was lost, or a hash
   * in an older layout) is deleted in passing (best effort), since it may have no expiry.
   */
  readonly #toRecord = (reply: unknown, rkey: string): SessionRecord | undefined => {
    const record = fromReply(reply, this.codec);
    if (record === undefined && isNonEmpty(reply)) void this.#dropStray(rkey);
    return record;
  };

  async create(key: string, record: SessionRecord): Promise<boolean> {
    const userId = record.userId ?? '';
    const created = await this.#run('create', () =>
      createScript.run(
        this.#driver,
        [this.sessionKey(key)],
        [
          this.#scriptPrefix,
          key,
          String(record.expiresAt),
          String(record.deadline),
          userId,
          String(this.#cap),
          String(Date.now()),
          ...allFields(record, this.codec),
        ],
      ),
    );
    if (Number(created) !== 1) return false;
    if (this.#clusterIndex && userId)
      await this.#run('create', () => this.#clusterIndex!.add(userId, key, record.deadline));
    return true;
  }

  update(key: string, record: SessionRecord, change: Change): Promise<boolean> {
    if (change.meta === false && !change.cleared) {
      const content = this.#updateContent(key, record, change);
      if (content !== undefined) return content;
    }
    const userId = record.userId ?? '';
    const send = () =>
      updateScript.run(
        this.#driver,
        [this.sessionKey(key)],
        [
          this.#scriptPrefix,
          key,
          String(record.expiresAt),
          String(record.deadline),
          userId,
          String(this.#cap),
          String(Date.now()),
          change.cleared ? '1' : '0',
          ...updateArguments(record, change, this.codec),
        ],
      );
    const index = this.#clusterIndex;
    if (!index) return this.#run('update', send, isUpdated);
    return this.#run('update', send).then(async (reply) => {
      if (!isUpdated(reply)) return false;
      // On Cluster the script cannot reach the user's index: move the entry here.
      const previous = String((reply as [number, string?])[1] ?? '');
      if (previous !== userId) {
        await this.#run('update', async () => {
          if (previous) await index.remove(previous, key);
          if (userId) await index.add(userId, key, record.deadline);
        });
      }
      return true;
    });
  }

  /**
   * The common update (data, flashes and times only; user and the rest as loaded) without a
   * script: HSET, then HDEL of deleted fields when any, then PEXPIREAT when the expiry moved.
   * One command goes on any client; more go in one round trip where the client writes a
   * tick's commands together (node-redis, ioredis with auto-pipelining), which Redis runs in
   * order but may interleave with other clients' commands. Undefined where neither applies:
   * the caller runs the update script. Still update-only: a hash without its creation time
   * (`c`, written only by the scripts) is no session, so a late write to a destroyed or
   * expired session brings no session back. The session was gone when HSET added `t` as a
   * new field; the stray hash then left is deleted at once (best effort; with PEXPIREAT in
   * the pipeline it expires anyway). A write into such a stray hash that outlived its `DEL`
   * reports success but still makes no session. The user's index is untouched: the user did
   * not change.
   */
  #updateContent(key: string, record: SessionRecord, change: Change): Promise<boolean> | undefined {
    const rkey = this.sessionKey(key);
    const { set, deleted } = contentUpdate(record, change, this.codec);
    const hset = ['HSET', rkey, ...set];
    const commands = [hset];
    if (deleted.length > 0) commands.push(['HDEL', rkey, ...deleted]);
    // Times as loaded (the sliding expiry was not due): the hash already expires at record.expiresAt.
    if (change.times !== false) commands.push(['PEXPIREAT', rkey, String(record.expiresAt)]);
    // HSET counts the fields it added: `t` among them means the hash was gone.
    const wrote = (added: unknown) => Number(added) < set.length / 2 || this.#dropStray(rkey);
    if (commands.length === 1)
      return this.#run('update', () => this.#driver.send(rkey, hset), wrote) as Promise<boolean>;
    const pipeline = this.#driver.pipeline;
    if (pipeline === undefined) return undefined;
    return this.#run(
      'update',
      () => pipeline(rkey, commands),
      (replies) => wrote(replies[0]),
    ) as Promise<boolean>;
  }

  /** Deletes a hash that is no session, such as a late write leaves (best effort); answers false. */
  #dropStray(rkey: string): Promise<false> {
    return this.#run('update', () => this.#driver.send(rkey, ['DEL', rkey])).then(
      () => false,
      () => false,
    );
  }

  touch(key: string, expiresAt: number, lastSeenAt: number): Promise<boolean> {
    return this.#run(
      'touch',
      () =>
        touchScript.run(this.#driver, [this.sessionKey(key)], [String(expiresAt), movingTimes(lastSeenAt, expiresAt)]),
      isOne,
    );
  }

  async destroy(key: string): Promise<boolean> {
    const reply = (await this.#run('destroy', () =>
      destroyScript.run(this.#driver, [this.sessionKey(key)], [this.#scriptPrefix, key]),
    )) as [number, string];
    const user = String(reply[1] ?? '');
    if (this.#clusterIndex && user) await this.#run('destroy', () => this.#clusterIndex!.remove(user, key));
    return Number(reply[0]) === 1;
  }

  async listByUser(userId: string): Promise<SessionInfo[]> {
    const rows = this.#clusterIndex
      ? await this.#run('listByUser', () => this.#clusterIndex!.list(userId))
      : ((await this.#run('listByUser', () =>
          listScript.run(this.#driver, [this.userKey(userId)], [this.prefix, userId, String(Date.now())]),
        )) as unknown[]);
    const list: SessionInfo[] = [];
    for (let i = 0; i + 4 < rows.length; i += 5) {
      const [key, c, t, a, ip] = rows.slice(i, i + 5).map((v) => (v == null ? '' : String(v)));
      const fixed = parseTimes(c!);
      const moving = parseTimes(t!);
      if (!fixed || !moving) continue;
      const info: SessionInfo = {
        key: key!,
        userId,
        createdAt: fixed[0],
        lastSeenAt: moving[0],
        expiresAt: moving[1],
      };
      // The client rides in `c`; hashes of the older layout keep it in `a` and `i`.
      const client = clientOf(c!);
      if (client) info.client = client;
      else if (a || ip) {
        info.client = {};
        if (a) info.client.userAgent = a;
        if (ip) info.client.ip = ip;
      }
      list.push(info);
    }
    return list.sort((x, y) => x.createdAt - y.createdAt);
  }

  async destroyByUser(userId: string, exceptKey?: string): Promise<number> {
    if (this.#clusterIndex) {
      return this.#run('destroyByUser', () => this.#clusterIndex!.destroyAll(userId, exceptKey));
    }
    const reply = await this.#run('destroyByUser', () =>
      destroyByUserScript.run(this.#driver, [this.userKey(userId)], [this.prefix, userId, exceptKey ?? '']),
    );
    return Number(reply);
  }

  /** Nothing to release: the client is the application's, and it closes it. */
  async close(): Promise<void> {}

  /** One Redis call through the breaker; `map` shapes its answer in the same promise step. */
  #run<T, R = T>(operation: string, call: () => Promise<T>, map?: (answer: T) => R): Promise<R> {
    return this.#breaker.run(operation, call, this.#driver.connected(), map);
  }
}

/** The update script answers [1, previous user id] when it wrote, [0] when the session is gone. */
function isUpdated(reply: unknown): boolean {
  return Number((reply as [number])[0]) === 1;
}

function isNonEmpty(reply: unknown): boolean {
  if (Array.isArray(reply)) return reply.length > 0;
  if (reply instanceof Map) return reply.size > 0;
  return reply !== null && typeof reply === 'object' && Object.keys(reply).length > 0;
}

function isOne(reply: unknown): boolean {
  return Number(reply) === 1;
}

function invalid(option: string, value: unknown, what: string): never {
  throw new SessionError('invalid-option', `RedisStore: ${option} must be ${what} (got ${String(value)})`, {
    details: { option },
  });
}
