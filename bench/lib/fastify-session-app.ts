/**
 * The fastify 5 + @fastify/cookie + @fastify/session app every @fastify/session peer runs,
 * so they differ only in their store: GET /init, /read, /inc as docs/benchmarks.md describes.
 */
import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import Fastify from 'fastify';

// request.session's declared type depends on which session plugin's types load first; go through a narrow view.
type Counted = { get(key: string): unknown; set(key: string, value: unknown): void };
const sessionOf = (request: { session: unknown }) => request.session as Counted;
const countOf = (session: Counted) => (session.get('count') as number | undefined) ?? 0;

/**
 * Serve on 127.0.0.1:$PORT and print `ready`; without a store, @fastify/session's memory
 * store. An express-session store (connect-redis) is accepted as @fastify/session accepts it.
 */
export async function serveFastifySession(store?: object): Promise<void> {
  const app = Fastify();
  await app.register(fastifyCookie);
  await app.register(fastifySession, {
    secret: 'bench-only-secret-not-for-production-32+chars',
    cookie: { secure: false },
    saveUninitialized: false,
    ...(store ? { store: store as never } : {}),
  });

  app.get('/init', async (request, reply) => {
    sessionOf(request).set('count', 0);
    return reply.type('text/plain').send('0');
  });
  app.get('/read', async (request, reply) => reply.type('text/plain').send(String(countOf(sessionOf(request)))));
  app.get('/inc', async (request, reply) => {
    const session = sessionOf(request);
    const count = countOf(session) + 1;
    session.set('count', count);
    return reply.type('text/plain').send(String(count));
  });

  await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' });
  console.log('ready');
}
