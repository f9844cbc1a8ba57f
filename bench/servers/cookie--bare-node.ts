/**
 * Baseline for the cookie group: node:http with no session library and no crypto. The
 * state travels in a plain cookie (parse it, read or change the count, set it again),
 * so the ratio shows what sealing, opening and session bookkeeping cost.
 */
import { serveBareCookie } from '../lib/bare-cookie-app.js';

serveBareCookie();
