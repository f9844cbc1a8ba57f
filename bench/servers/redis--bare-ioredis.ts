/**
 * Baseline (ceiling) for the redis group: node:http with no session library, keeping each
 * client's count in Redis through ioredis: /init SET with an expiry, /read one GET, /inc a
 * GET and a SET (read, modify, save), under a random cookie id. The same work shape and
 * round trips as a session server, done the simplest way.
 */
import { Redis } from 'ioredis';
import { keyValueCounts, TTL_MS } from '../lib/bare-counts.js';
import { serveBareNode } from '../lib/bare-node-app.js';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
serveBareNode(
  keyValueCounts(
    (key) => redis.get(key),
    (key, value) => redis.set(key, value, 'PX', TTL_MS),
  ),
  'redis unavailable',
);
