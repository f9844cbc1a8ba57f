/**
 * The node:http app the `<group>--bare-node*` baselines run, so they differ only in where
 * they keep the counts: GET /init, /read, /inc as docs/benchmarks.md describes, with no
 * session library. Counts that answer at once are served without a promise in between.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import { type Counts, newId, sidCookie, sidOf } from './bare-counts.js';

function reply(res: ServerResponse, status: number, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end(body);
}

function replyCount(res: ServerResponse, count: number | undefined): void {
  if (count === undefined) reply(res, 401, 'no session');
  else reply(res, 200, String(count));
}

function replyCreated(res: ServerResponse, id: string): void {
  res.setHeader('Set-Cookie', sidCookie(id));
  reply(res, 200, '0');
}

/**
 * Serve counts on 127.0.0.1:$PORT and print `ready`. When one of their promises fails,
 * answer 503 with `unavailable` (e.g. 'redis unavailable').
 */
export function serveBareNode(counts: Counts, unavailable = 'store unavailable'): Server {
  const fail = (res: ServerResponse) => () => reply(res, 503, unavailable);
  const server = createServer((req, res) => {
    if (req.url === '/init') {
      const id = newId();
      const created = counts.create(id);
      if (created instanceof Promise) created.then(() => replyCreated(res, id), fail(res));
      else replyCreated(res, id);
      return;
    }
    if (req.url !== '/read' && req.url !== '/inc') return reply(res, 404, 'not found');
    const id = sidOf(req.headers.cookie);
    if (id === undefined) return reply(res, 401, 'no session');
    const count = req.url === '/read' ? counts.read(id) : counts.increment(id);
    if (count instanceof Promise) count.then((value) => replyCount(res, value), fail(res));
    else replyCount(res, count);
  });
  server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => console.log('ready'));
  return server;
}
