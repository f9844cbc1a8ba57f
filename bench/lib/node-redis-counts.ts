/**
 * The counts of the bare node-redis references (node:http and Express): JSON `{count}`
 * per client in Redis through a connected node-redis v5 client, as `keyValueCounts` keeps them.
 */
import { createClient } from 'redis';
import { type Counts, keyValueCounts, TTL_MS } from './bare-counts.js';

export async function nodeRedisCounts(): Promise<Counts> {
  const redis = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
  await redis.connect();
  return keyValueCounts(
    (key) => redis.get(key),
    (key, value) => redis.set(key, value, { PX: TTL_MS }),
  );
}
