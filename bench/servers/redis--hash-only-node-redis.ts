/**
 * Reference row for the redis group, not a peer: the bare node-redis server with each count
 * kept the way RedisStore keeps a session, as a hash (`c` and `t` time fields and the data
 * field `.count`), and nothing else of a session library: /read is one HGETALL, /inc an
 * HGETALL, then HSET of `t` and `.count` with PEXPIREAT in one write. A hash is what lets a
 * commit write only the keys that changed (issue 4); this row's ratio is what that layout
 * alone costs against one string under GET and SET.
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

function countOf(reply: unknown): number | undefined {
  const flat = reply as string[];
  for (let i = 0; i + 1 < flat.length; i += 2) if (flat[i] === '.count') return JSON.parse(flat[i + 1] as string);
  return undefined;
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
      return countOf(await redis.sendCommand(['HGETALL', `hash:${id}`]));
    },
    async increment(id) {
      const key = `hash:${id}`;
      const count = countOf(await redis.sendCommand(['HGETALL', key]));
      if (count === undefined) return undefined;
      await Promise.all([
        redis.sendCommand(['HSET', key, 't', times(), '.count', String(count + 1)]),
        redis.sendCommand(['PEXPIREAT', key, String(Date.now() + TTL_MS)]),
      ]);
      return count + 1;
    },
  },
  'redis unavailable',
);
