/** The redis group's target: node:http + sessionkit/node withSessions + RedisStore over ioredis. */
import { Redis } from 'ioredis';
import { RedisStore } from 'sessionkit/redis';
import { serveSessionkit } from '../lib/sessionkit-server.js';

const client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
serveSessionkit(new RedisStore({ client, prefix: 'bench:sk:' }));
