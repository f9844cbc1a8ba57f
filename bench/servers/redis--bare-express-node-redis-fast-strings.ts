/**
 * Reference for the Express target, not a peer: redis--bare-express-node-redis.ts with
 * String.prototype made fast again after node-redis's import, as RedisStore does for
 * node-redis clients (src/stores/redis/string-methods.ts). Any code on Express can do that,
 * so this row, not the one without it, is the most a session layer on Express could reach
 * against express-session-connect-redis (which keeps the slow prototype, as apps do).
 */
import { restoreFastStringMethods } from '../../src/stores/redis/string-methods.js';
import { serveBareExpress } from '../lib/bare-express-app.js';
import { nodeRedisCounts } from '../lib/node-redis-counts.js';

const counts = await nodeRedisCounts();
// The very function RedisStore calls, and nothing else of sessionkit.
restoreFastStringMethods();
serveBareExpress(counts, 'redis unavailable');
