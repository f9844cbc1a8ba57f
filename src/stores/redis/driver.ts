/**
 * One small interface over the Redis clients people use: ioredis (Redis, Cluster, Sentinel
 * through Redis) and node-redis v5 (createClient, createCluster, createSentinel). The store
 * only ever sends raw commands, so it needs nothing else from the client, never opens a
 * connection of its own and never closes the user's.
 */
import { createHash } from 'node:crypto';
import { SessionError } from '../../core/errors.js';
import { restoreFastStringMethods } from './string-methods.js';
import { type Corkable, corkEachTurn } from './turn-writes.js';

/** What the store needs from a client: send a command, routed by its first key. */
export interface RedisDriver {
  readonly kind: 'ioredis' | 'node-redis';
  /** True for Redis Cluster clients: scripts may then touch only the keys of one slot. */
  readonly cluster: boolean;
  /** Sends one command; `key` routes it in a cluster. */
  send(key: string, args: string[]): Promise<unknown>;
  /**
   * `send`, with the reply's strings left as Buffers, where the client can (ioredis's
   * `callBuffer`, node-redis's `typeMapping`). Both clients cut every reply string out of
   * a Buffer and then make a string of it; the load reads an HGETALL reply byte by byte
   * instead, and skips most of those strings.
   */
  sendForBytes?(key: string, args: string[]): Promise<unknown>;
  /**
   * Sends commands on one key's slot back to back, in one write, and answers their replies
   * in order (rejecting with the first error). Not a transaction: other clients' commands
   * may run in between. Only where it is cheap, where the commands of one turn go out
   * together anyway: node-redis, a standalone ioredis connection (the store corks it for
   * the turn, turn-writes.ts) and an ioredis Cluster with `enableAutoPipelining`. An ioredis
   * Cluster without it writes each call on its own, and ioredis's pipeline object cost more
   * CPU than the one script call it would replace (bench/NOTES.md), so it has none.
   */
  pipeline?(key: string, commands: string[][]): Promise<unknown[]>;
  /** False when the client knows it is disconnected (so the store can fail fast). */
  connected(): boolean;
}

/** The parts of an ioredis Redis or Cluster the store uses. */
interface IoredisLike {
  call(command: string, ...args: string[]): Promise<unknown>;
  callBuffer(command: string, ...args: string[]): Promise<unknown>;
  status: string;
  isCluster?: boolean;
  options?: { keyPrefix?: string; enableAutoPipelining?: boolean };
  /** The connection's socket (a new one after each reconnect); absent on a Cluster. */
  stream?: Corkable;
}

/** The parts of a node-redis v5 client the store uses. */
interface NodeRedisClientLike {
  sendCommand(args: string[], options?: typeof AS_BYTES): Promise<unknown>;
  readonly isReady: boolean;
}

/** The parts of a node-redis v5 cluster the store uses. */
interface NodeRedisClusterLike {
  sendCommand(
    firstKey: string | undefined,
    isReadonly: boolean | undefined,
    args: string[],
    options?: typeof AS_BYTES,
  ): Promise<unknown>;
  readonly isOpen: boolean;
  readonly masters: unknown;
}

/** Any client the store accepts. Typed loosely so importing the store never imports a driver. */
export type RedisClientLike = object;

/** node-redis command options for replies whose strings stay Buffers (36: RESP's `$`, a blob string). */
const AS_BYTES = { typeMapping: { 36: Buffer } };

/**
 * The names the store's commands go to ioredis by. ioredis lowercases a command's name each
 * time it checks one of its flags, about six times per command; a name already in lowercase
 * comes back as itself, an uppercase one as a new string that V8 must look up before each
 * check (about 0.3 µs per command). `HGETALL` stays uppercase: under its lowercase name
 * ioredis turns the reply into an object, which costs more than that.
 */
// Literals, not toLowerCase() results: V8 keeps literals in its string table already.
const IOREDIS_NAMES = new Map([
  ['HSET', 'hset'],
  ['HDEL', 'hdel'],
  ['HGET', 'hget'],
  ['HMGET', 'hmget'],
  ['DEL', 'del'],
  ['PEXPIREAT', 'pexpireat'],
  ['EVALSHA', 'evalsha'],
  ['EVAL', 'eval'],
  ['ZRANGE', 'zrange'],
  ['ZREM', 'zrem'],
]);

function ioredisName(command: string): string {
  return IOREDIS_NAMES.get(command) ?? command;
}

/** Statuses in which ioredis would only queue a command, not send it. */
const IOREDIS_DOWN = new Set(['reconnecting', 'close', 'end']);

export function driverFor(client: RedisClientLike): RedisDriver {
  const c = client as Partial<IoredisLike & NodeRedisClientLike & NodeRedisClusterLike>;
  if (typeof c.call === 'function' && typeof c.status === 'string') {
    const io = client as IoredisLike;
    if (io.options?.keyPrefix) {
      // ioredis would prefix KEYS but not the index keys the scripts derive, splitting the layout.
      throw new SessionError(
        'invalid-option',
        `RedisStore: the ioredis client has keyPrefix '${io.options.keyPrefix}'; pass a client without it and set the store's { prefix } instead`,
        { details: { option: 'client' } },
      );
    }
    const cluster = io.isCluster === true;
    const autoPipelining = io.options?.enableAutoPipelining === true;
    // A standalone connection without auto-pipelining would write each command on its own:
    // the store gathers the writes of a turn itself (turn-writes.ts). A Cluster has a
    // connection per node and no one socket to cork: there auto-pipelining is the way.
    const beforeWrite = cluster || autoPipelining ? undefined : corkEachTurn(io);
    const send = (_key: string, [command, ...rest]: string[]) => {
      beforeWrite?.();
      return io.call(ioredisName(command as string), ...rest);
    };
    const driver: RedisDriver = {
      kind: 'ioredis',
      cluster,
      send,
      connected: () => !IOREDIS_DOWN.has(io.status),
    };
    if (beforeWrite || autoPipelining) driver.pipeline = sentTogether(send);
    // Auto-pipelining drops the command name of a `callBuffer` (redis/ioredis#1923), so
    // Buffers only without it.
    if (!autoPipelining && typeof io.callBuffer === 'function')
      driver.sendForBytes = (_key, [command, ...rest]) => {
        beforeWrite?.();
        return io.callBuffer(ioredisName(command as string), ...rest);
      };
    return driver;
  }
  // node-redis's import left String.prototype slow to read methods from (string-methods.ts).
  if (typeof c.sendCommand === 'function') restoreFastStringMethods();
  if (typeof c.sendCommand === 'function' && 'masters' in c) {
    const cluster = client as NodeRedisClusterLike;
    const send = (key: string, args: string[]) => cluster.sendCommand(key, false, args);
    return {
      kind: 'node-redis',
      cluster: true,
      send,
      sendForBytes: (key, args) => cluster.sendCommand(key, false, args, AS_BYTES),
      pipeline: sentTogether(send),
      connected: () => cluster.isOpen,
    };
  }
  if (typeof c.sendCommand === 'function' && 'isReady' in c) {
    const nr = client as NodeRedisClientLike;
    const send = (_key: string, args: string[]) => nr.sendCommand(args);
    return {
      kind: 'node-redis',
      cluster: false,
      send,
      sendForBytes: (_key, args) => nr.sendCommand(args, AS_BYTES),
      pipeline: sentTogether(send),
      connected: () => nr.isReady,
    };
  }
  throw new SessionError(
    'invalid-option',
    'RedisStore: client must be an ioredis Redis/Cluster or a node-redis v5 client/cluster (got something without call() or sendCommand())',
    { details: { option: 'client' } },
  );
}

/**
 * `pipeline` for a client that writes the commands of one tick together: send them all in
 * this tick, and answer their replies in order.
 */
function sentTogether(send: RedisDriver['send']): NonNullable<RedisDriver['pipeline']> {
  return (key, commands) => Promise.all(commands.map((args) => send(key, args)));
}

/** A Lua script sent by hash, and in full once when the server does not know it yet. */
export class Script {
  readonly sha: string;
  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  run(driver: RedisDriver, keys: string[], args: string[]): Promise<unknown> {
    const command = ['EVALSHA', this.sha, String(keys.length), ...keys, ...args];
    const route = keys[0] as string;
    return driver.send(route, command).catch((error: unknown) => {
      if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error;
      command[0] = 'EVAL';
      command[1] = this.source;
      return driver.send(route, command);
    });
  }
}
