/**
 * The express 5 + sessionkit/express app, so the servers on it differ only in their store:
 * GET /init, /read, /inc as docs/benchmarks.md describes.
 */
import express from 'express';
import { createSessions, type Store } from 'sessionkit';
import { expressSessions } from 'sessionkit/express';
import { listenExpress } from './express-listen.js';

/** Serve on 127.0.0.1:$PORT and print `ready`. */
export function serveSessionkitExpress(store: Store): void {
  // Plain http on loopback: say so explicitly instead of relying on the 'auto' default.
  const sessions = expressSessions(createSessions<{ count: number }>({ store, cookie: { secure: false } }));

  const app = express();
  app.use(sessions);
  app.get('/init', (req, res) => {
    sessions.get(req).set('count', 0);
    res.type('text').send('0');
  });
  app.get('/read', (req, res) => {
    res.type('text').send(String(sessions.get(req).get('count') ?? 0));
  });
  app.get('/inc', (req, res) => {
    const session = sessions.get(req);
    const count = (session.get('count') ?? 0) + 1;
    session.set('count', count);
    res.type('text').send(String(count));
  });

  listenExpress(app);
}
