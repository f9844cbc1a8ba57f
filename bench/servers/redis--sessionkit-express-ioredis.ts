/** sessionkit through its Express adapter, RedisStore over ioredis: compared with express-session + connect-redis. */
import { Redis } from 'ioredis';
import { RedisStore } from 'sessionkit/redis';
import { serveSessionkitExpress } from '../lib/sessionkit-express-app.js';

const client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
serveSessionkitExpress(new RedisStore({ client, prefix: 'bench:skx:' }));
