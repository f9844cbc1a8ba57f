/**
 * Reference row for the redis group, not a peer: redis--hash-only-node-redis.ts through
 * ioredis, against bare-ioredis. ioredis turns every string of a reply into a buffer slice
 * and then a string, so this row shows what RedisStore's hash layout costs on that client.
 */
import { Redis } from 'ioredis';
import { serveBareNode } from '../lib/bare-node-app.js';
import { hashCounts } from '../lib/hash-counts.js';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
serveBareNode(
  hashCounts(([command, ...args]) => redis.call(command as string, ...args)),
  'redis unavailable',
);
