/** sessionkit through its Express adapter, RedisStore over node-redis v5: the same client connect-redis uses. */
import { createClient } from 'redis';
import { RedisStore } from 'sessionkit/redis';
import { serveSessionkitExpress } from '../lib/sessionkit-express-app.js';

const client = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
await client.connect();
serveSessionkitExpress(new RedisStore({ client, prefix: 'bench:skxn:' }));
