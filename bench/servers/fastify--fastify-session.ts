/**
 * The fastify group's native peer: fastify 5 + @fastify/cookie + @fastify/session with its
 * default in-process memory store.
 */
import { serveFastifySession } from '../lib/fastify-session-app.js';

await serveFastifySession();
