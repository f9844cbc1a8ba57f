/** The redis group's peer: fastify 5 + @fastify/session + connect-redis 9 (node-redis v5). */
import { RedisStore } from 'connect-redis';
import { createClient } from 'redis';
import { serveFastifySession } from '../lib/fastify-session-app.js';

const client = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
await client.connect();
// connect-redis speaks the express-session store interface, which @fastify/session accepts.
await serveFastifySession(new RedisStore({ client, prefix: 'bench:fs:' }));
