/**
 * The hono group's native peer: hono 4 on @hono/node-server + hono-sessions with its
 * MemoryStore. No encryptionKey, so the cookie carries a plain session id as sessionkit's does
 * (with one, hono-sessions also encrypts the id on every response).
 */
import { MemoryStore, sessionMiddleware } from 'hono-sessions';
import { serveHonoSessions } from '../lib/hono-app.js';

serveHonoSessions(
  sessionMiddleware({
    store: new MemoryStore(),
    expireAfterSeconds: 1800,
    cookieOptions: { sameSite: 'Lax', path: '/', httpOnly: true },
  }),
);
