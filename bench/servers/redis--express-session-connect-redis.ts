/** The redis group's peer: express 5 + express-session + connect-redis 9 (node-redis v5, its supported client). */
import { RedisStore } from 'connect-redis';
import { createClient } from 'redis';
import { serveExpressSession } from '../lib/express-session-app.js';

const client = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
await client.connect();
serveExpressSession(new RedisStore({ client, prefix: 'bench:es:' }));
