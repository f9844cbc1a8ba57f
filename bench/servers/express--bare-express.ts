/**
 * Baseline for the express group: express 5 with no session library. It does the same work
 * shape (set a cookie, look the client up by it, read or change a count) by hand, so the
 * ratio shows what a session layer costs on top of Express.
 */
import { MemoryCounts } from '../lib/bare-counts.js';
import { serveBareExpress } from '../lib/bare-express-app.js';

serveBareExpress(new MemoryCounts());
