/** The redis group's target: node:http + sessionkit/node withSessions + RedisStore over node-redis v5. */
import { createClient } from 'redis';
import { RedisStore } from 'sessionkit/redis';
import { serveSessionkit } from '../lib/sessionkit-server.js';

const client = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
await client.connect();
serveSessionkit(new RedisStore({ client, prefix: 'bench:sk:' }));
