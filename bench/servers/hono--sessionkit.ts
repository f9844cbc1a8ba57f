/** The hono group's target: hono 4 on @hono/node-server + sessionkit/hono + MemoryStore. */
import { createSessions } from 'sessionkit';
import { honoSessions } from 'sessionkit/hono';
import { MemoryStore } from 'sessionkit/memory';
import { serveHonoSessions } from '../lib/hono-app.js';

const manager = createSessions<{ count: number }>({ store: new MemoryStore(), cookie: { secure: false } });
serveHonoSessions(honoSessions(manager));
