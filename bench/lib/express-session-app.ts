/**
 * The express 5 + express-session app every express-session peer runs, so they differ only
 * in their store: GET /init, /read, /inc as docs/benchmarks.md describes.
 */
import express from 'express';
import session from 'express-session';
import { listenExpress } from './express-listen.js';

// The count lives on the session object; a local type instead of augmenting express-session
// project-wide (other bench files may store other things).
type Counted = { count?: number };
const counted = (req: express.Request) => req.session as typeof req.session & Counted;

/** Serve on 127.0.0.1:$PORT and print `ready`; without a store, express-session's MemoryStore. */
export function serveExpressSession(store?: session.Store): void {
  const app = express();
  app.use(
    session({
      ...(store ? { store } : {}),
      secret: 'bench-only-secret-not-for-production',
      resave: false,
      saveUninitialized: false,
      cookie: { secure: false },
    }),
  );

  // res.send is what an express app would use; its extra work (ETag etc.) is part of express's cost.
  app.get('/init', (req, res) => {
    counted(req).count = 0;
    res.type('text').send('0');
  });
  app.get('/read', (req, res) => {
    res.type('text').send(String(counted(req).count ?? 0));
  });
  app.get('/inc', (req, res) => {
    const count = (counted(req).count ?? 0) + 1;
    counted(req).count = count;
    res.type('text').send(String(count));
  });

  listenExpress(app);
}
