/**
 * Reference row for the redis group, not a peer: the bare node-redis server with each count
 * kept the way RedisStore keeps a session (bench/lib/hash-counts.ts) and nothing else of a
 * session library. A hash is what lets a commit write only the keys that changed (issue 4);
 * this row's ratio is what that layout alone costs against one string under GET and SET.
 */
import { createClient } from 'redis';
import { serveBareNode } from '../lib/bare-node-app.js';
import { hashCounts } from '../lib/hash-counts.js';

const redis = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
await redis.connect();
serveBareNode(
  hashCounts((args) => redis.sendCommand(args)),
  'redis unavailable',
);
