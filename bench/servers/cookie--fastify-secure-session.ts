/** Peer in the cookie group: fastify 5 + @fastify/secure-session (libsodium secretbox cookie). */
import fastifySecureSession from '@fastify/secure-session';
import Fastify from 'fastify';

const app = Fastify({ logger: false });
await app.register(fastifySecureSession, {
  key: Buffer.alloc(32, 7),
  cookieName: 'sid',
  cookie: { path: '/', httpOnly: true, sameSite: 'lax', secure: false },
});

type CountSession = { get(key: 'count'): number | undefined; set(key: 'count', value: number): void };
const sessionOf = (request: unknown) => (request as { session: CountSession }).session;

app.get('/init', async (request, reply) => {
  sessionOf(request).set('count', 0);
  reply.type('text/plain; charset=utf-8');
  return '0';
});
app.get('/read', async (request, reply) => {
  reply.type('text/plain; charset=utf-8');
  return String(sessionOf(request).get('count') ?? 0);
});
app.get('/inc', async (request, reply) => {
  const session = sessionOf(request);
  const count = (session.get('count') ?? 0) + 1;
  session.set('count', count);
  reply.type('text/plain; charset=utf-8');
  return String(count);
});

await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' });
console.log('ready');
