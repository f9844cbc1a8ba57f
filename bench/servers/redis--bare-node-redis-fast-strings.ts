/**
 * Reference row for the redis group, not a peer: bare-node-redis with String.prototype made
 * fast again after node-redis's import, as RedisStore does for node-redis clients
 * (src/stores/redis/string-methods.ts). Against bare-node-redis it shows what that alone is
 * worth to a server that keeps no sessions; against sessionkit-node-redis, what the session
 * layer costs with the handicap removed on both sides.
 */
import { restoreFastStringMethods } from '../../src/stores/redis/string-methods.js';
import { serveBareNode } from '../lib/bare-node-app.js';
import { nodeRedisCounts } from '../lib/node-redis-counts.js';

const counts = await nodeRedisCounts();
// The very function RedisStore calls, and nothing else of sessionkit.
restoreFastStringMethods();
serveBareNode(counts, 'redis unavailable');
