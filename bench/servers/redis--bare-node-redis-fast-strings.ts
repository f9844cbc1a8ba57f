/**
 * Reference row for the redis group, not a peer: bare-node-redis with String.prototype made
 * fast again after node-redis's import, as RedisStore does for node-redis clients
 * (src/stores/redis/string-methods.ts). Against bare-node-redis it shows what that alone is
 * worth to a server that keeps no sessions; against sessionkit-node-redis, what the session
 * layer costs with the handicap removed on both sides.
 */
import { serveBareNode } from '../lib/bare-node-app.js';
import { nodeRedisCounts } from '../lib/node-redis-counts.js';

const counts = await nodeRedisCounts();
// One inline cache reading a method through an object whose prototype is String.prototype.
const probe = Object.create(String.prototype) as { charCodeAt?: unknown };
const methodOf = (object: { charCodeAt?: unknown }) => object.charCodeAt;
for (let i = 0; i < 100; i++) methodOf(probe);
serveBareNode(counts, 'redis unavailable');
