/**
 * Baseline for sessionkit with node-redis: node:http with no session library, the same
 * GET / GET+SET work as redis--bare-ioredis.ts, through node-redis v5.
 */
import { createClient } from 'redis';
import { keyValueCounts, TTL_MS } from '../lib/bare-counts.js';
import { serveBareNode } from '../lib/bare-node-app.js';

const redis = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
await redis.connect();
serveBareNode(
  keyValueCounts(
    (key) => redis.get(key),
    (key, value) => redis.set(key, value, { PX: TTL_MS }),
  ),
  'redis unavailable',
);
