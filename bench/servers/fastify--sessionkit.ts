/** The fastify group's target: fastify 5 + sessionkit/fastify + MemoryStore. */
import Fastify from 'fastify';
import { fastifySessions } from 'sessionkit/fastify';
import { createSessions } from 'sessionkit';
import type { Session } from 'sessionkit';
import { MemoryStore } from 'sessionkit/memory';

const manager = createSessions<{ count: number }>({ store: new MemoryStore(), cookie: { secure: false } });
const app = Fastify();
await app.register(fastifySessions, { manager });

const sessionOf = (request: { session: unknown }) => request.session as Session<{ count: number }>;

app.get('/init', async (request, reply) => {
  sessionOf(request).set('count', 0);
  return reply.type('text/plain').send('0');
});
app.get('/read', async (request, reply) => reply.type('text/plain').send(String(sessionOf(request).get('count') ?? 0)));
app.get('/inc', async (request, reply) => {
  const session = sessionOf(request);
  const count = (session.get('count') ?? 0) + 1;
  session.set('count', count);
  return reply.type('text/plain').send(String(count));
});

await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' });
console.log('ready');
