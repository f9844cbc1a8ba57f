/** Peer in the cookie group: node:http + iron-session 8 (sealed cookie via iron-webcrypto). */
import { createServer } from 'node:http';
import { getIronSession } from 'iron-session';

const options = {
  password: process.env.SESSION_PASSWORD ?? 'a-benchmark-password-that-is-at-least-32-characters-long',
  cookieName: 'sid',
  cookieOptions: { secure: false, httpOnly: true, sameSite: 'lax' as const, path: '/' },
};

const server = createServer(async (req, res) => {
  try {
    const session = await getIronSession<{ count?: number }>(req, res, options);
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    if (req.url === '/init') {
      session.count = 0;
      await session.save();
      return res.end('0');
    }
    if (req.url === '/read') return res.end(String(session.count ?? 0));
    if (req.url === '/inc') {
      session.count = (session.count ?? 0) + 1;
      await session.save();
      return res.end(String(session.count));
    }
    res.statusCode = 404;
    res.end('not found');
  } catch {
    res.statusCode = 500;
    res.end('error');
  }
});

server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => console.log('ready'));
