/**
 * Reference row for the redis group, not a peer: redis--bare-ioredis.ts with ioredis's own
 * `enableAutoPipelining`, which writes the commands of one event-loop turn together. RedisStore
 * does that itself on a standalone ioredis connection (src/stores/redis/turn-writes.ts), so
 * this row is the bare server with the same advantage: read sessionkit-ioredis against it too.
 */
import { Redis } from 'ioredis';
import { keyValueCounts, TTL_MS } from '../lib/bare-counts.js';
import { serveBareNode } from '../lib/bare-node-app.js';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { enableAutoPipelining: true });
serveBareNode(
  keyValueCounts(
    (key) => redis.get(key),
    (key, value) => redis.set(key, value, 'PX', TTL_MS),
  ),
  'redis unavailable',
);
