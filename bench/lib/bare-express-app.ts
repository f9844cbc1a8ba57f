/**
 * The express 5 app the `bare-express*` references run: GET /init, /read, /inc as
 * docs/benchmarks.md describes, done by hand with no session library, so they differ only
 * in where they keep the counts (in memory, or in Redis).
 */
import express, { type Response } from 'express';
import { type Counts, newId, sidCookie, sidOf } from './bare-counts.js';
import { listenExpress } from './express-listen.js';

function replyCount(res: Response, count: number | undefined): void {
  if (count === undefined) res.status(401).type('text').send('no session');
  else res.type('text').send(String(count));
}

/** Serve counts on 127.0.0.1:$PORT and print `ready`; a failed promise answers 503 `unavailable`. */
export function serveBareExpress(counts: Counts, unavailable = 'store unavailable'): void {
  const fail = (res: Response) => () => void res.status(503).type('text').send(unavailable);
  const app = express();
  app.get('/init', (_req, res) => {
    const id = newId();
    const created = counts.create(id);
    const send = () => {
      res.setHeader('Set-Cookie', sidCookie(id));
      res.type('text').send('0');
    };
    if (created instanceof Promise) created.then(send, fail(res));
    else send();
  });
  for (const endpoint of ['read', 'inc'] as const) {
    app.get(`/${endpoint}`, (req, res) => {
      const id = sidOf(req.headers.cookie);
      const count = id === undefined ? undefined : endpoint === 'read' ? counts.read(id) : counts.increment(id);
      if (count instanceof Promise) count.then((value) => replyCount(res, value), fail(res));
      else replyCount(res, count);
    });
  }
  listenExpress(app);
}
