/**
 * The node:http + sessionkit app every `<group>--sessionkit-*` server runs, so the targets
 * differ only in their store: GET /init, /read, /inc as docs/benchmarks.md describes.
 */
import { createServer, type Server } from 'node:http';
import type { Store } from 'sessionkit';
import { createSessions } from 'sessionkit';
import { withSessions } from 'sessionkit/node';

export function serveSessionkit(store: Store): Server {
  // Plain http on loopback: say so explicitly instead of relying on the 'auto' default.
  const sessions = createSessions<{ count: number }>({ store, cookie: { secure: false } });
  const server = createServer(
    withSessions(sessions, (req, res, session) => {
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      if (req.url === '/init') {
        session.set('count', 0);
        return res.end('0');
      }
      if (req.url === '/read') return res.end(String(session.get('count') ?? 0));
      if (req.url === '/inc') {
        const count = (session.get('count') ?? 0) + 1;
        session.set('count', count);
        return res.end(String(count));
      }
      res.statusCode = 404;
      res.end('not found');
    }),
  );
  server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => console.log('ready'));
  return server;
}
