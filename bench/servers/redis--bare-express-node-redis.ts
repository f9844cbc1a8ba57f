/**
 * Reference for the Express target: express 5 with no session library, the same GET /
 * GET+SET work as redis--bare-node-redis.ts through node-redis v5. Its ratio to
 * express-session-connect-redis is the most any session layer on Express could reach here.
 */
import { createClient } from 'redis';
import { keyValueCounts, TTL_MS } from '../lib/bare-counts.js';
import { serveBareExpress } from '../lib/bare-express-app.js';

const redis = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
await redis.connect();
serveBareExpress(
  keyValueCounts(
    (key) => redis.get(key),
    (key, value) => redis.set(key, value, { PX: TTL_MS }),
  ),
  'redis unavailable',
);
