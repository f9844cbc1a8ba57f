/**
 * The cookie group's bare servers: node:http with no session library. The count travels in
 * a plain cookie (parse it, read or change it, set it again). `extra`, when given, adds a
 * second cookie on every write: seal-only uses it to show what one AES-256-GCM seal
 * per write costs on its own.
 */
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { cookieValue } from './bare-counts.js';

function countOf(req: IncomingMessage): number | undefined {
  const count = Number(cookieValue(req.headers.cookie, 'n'));
  return Number.isInteger(count) ? count : undefined;
}

/** Serve GET /init, /read, /inc on 127.0.0.1:$PORT and print `ready`. */
export function serveBareCookie(extra?: (count: number) => string): Server {
  const reply = (res: ServerResponse, body: string, count?: number) => {
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    if (count !== undefined) {
      const cookie = `n=${count}; Path=/; HttpOnly; SameSite=Lax`;
      res.setHeader('Set-Cookie', extra ? [cookie, `${extra(count)}; Path=/; HttpOnly; SameSite=Lax`] : cookie);
    }
    res.end(body);
  };
  const server = createServer((req, res) => {
    if (req.url === '/init') return reply(res, '0', 0);
    const count = countOf(req);
    if (req.url === '/read') return reply(res, String(count ?? 0));
    if (req.url === '/inc') {
      const next = (count ?? 0) + 1;
      return reply(res, String(next), next);
    }
    res.statusCode = 404;
    res.end('not found');
  });
  server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => console.log('ready'));
  return server;
}
