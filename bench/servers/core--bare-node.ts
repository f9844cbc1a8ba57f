/**
 * Baseline for the core group: node:http with no session library. It does the same work
 * shape as a session server (set a cookie, look the client up by it, read or change a
 * count) in the simplest way, so the ratio shows what the session library costs.
 */
import { MemoryCounts } from '../lib/bare-counts.js';
import { serveBareNode } from '../lib/bare-node-app.js';

serveBareNode(new MemoryCounts());
