/**
 * Baseline for sessionkit with node-redis: node:http with no session library, the same
 * GET / GET+SET work as redis--bare-ioredis.ts, through node-redis v5.
 */
import { serveBareNode } from '../lib/bare-node-app.js';
import { nodeRedisCounts } from '../lib/node-redis-counts.js';

serveBareNode(await nodeRedisCounts(), 'redis unavailable');
