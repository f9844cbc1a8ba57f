/**
 * Reference for the Express target: express 5 with no session library, the same GET /
 * GET+SET work as redis--bare-node-redis.ts through node-redis v5. Its ratio to
 * express-session-connect-redis is the most any session layer on Express could reach.
 */
import { serveBareExpress } from '../lib/bare-express-app.js';
import { nodeRedisCounts } from '../lib/node-redis-counts.js';

serveBareExpress(await nodeRedisCounts(), 'redis unavailable');
