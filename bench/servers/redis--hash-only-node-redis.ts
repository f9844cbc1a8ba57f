/**
 * Reference row for the redis group, not a peer: the bare node-redis server with each count
 * kept the way RedisStore keeps a session, as a hash (`c` and `t` time fields and the data
 * field `.count`), and nothing else of a session library: the Redis commands sessionkit
 * sends for the benchmark's requests. /read is one HGETALL, /inc an HGETALL, then one HSET
 * of `t` (as loaded: the sliding expiry is not due within a run) and `.count`. A hash is
 * what lets a commit write only the keys that changed (issue 4); this row's ratio is what
 * that layout alone costs against one string under GET and SET.
 */
import { createClient } from 'redis';
import { serveBareNode } from '../lib/bare-node-app.js';
import { TTL_MS } from '../lib/bare-counts.js';

const redis = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
await redis.connect();

const times = () => {
  const now = Date.now();
  return `${now} ${now + TTL_MS}`;
};

/** The count and the `t` value of an HGETALL reply, or undefined when the hash is gone. */
function stateOf(reply: unknown): { count: number; t: string } | undefined {
  const flat = reply as string[];
  let count: number | undefined;
  let t: string | undefined;
  for (let i = 0; i + 1 < flat.length; i += 2) {
    if (flat[i] === '.count') count = JSON.parse(flat[i + 1] as string);
    else if (flat[i] === 't') t = flat[i + 1];
  }
  return count === undefined || t === undefined ? undefined : { count, t };
}

serveBareNode(
  {
    async create(id) {
      const key = `hash:${id}`;
      const now = times();
      await Promise.all([
        redis.sendCommand(['HSET', key, 'c', now, 't', now, '.count', '0']),
        redis.sendCommand(['PEXPIREAT', key, String(Date.now() + TTL_MS)]),
      ]);
    },
    async read(id) {
      return stateOf(await redis.sendCommand(['HGETALL', `hash:${id}`]))?.count;
    },
    async increment(id) {
      const key = `hash:${id}`;
      const state = stateOf(await redis.sendCommand(['HGETALL', key]));
      if (state === undefined) return undefined;
      await redis.sendCommand(['HSET', key, 't', state.t, '.count', String(state.count + 1)]);
      return state.count + 1;
    },
  },
  'redis unavailable',
);
