/**
 * Baseline for the cookie group: node:http with no session library and no crypto. The
 * state travels in a plain cookie (parse it, read or change the count, set it again),
 * so the ratio shows what sealing, opening and session bookkeeping cost.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

function countOf(req: IncomingMessage): number | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, value] = part.trim().split('=');
    if (name === 'sid' && value) {
      const count = Number(value);
      return Number.isInteger(count) ? count : undefined;
    }
  }
  return undefined;
}

function reply(res: ServerResponse, body: string, count?: number): void {
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  if (count !== undefined) res.setHeader('Set-Cookie', `sid=${count}; Path=/; HttpOnly; SameSite=Lax`);
  res.end(body);
}

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
