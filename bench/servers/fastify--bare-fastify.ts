/**
 * Baseline for the fastify group: fastify 5 with no session library, doing the same work
 * shape by hand (set a cookie, look the client up by it, read or change a count).
 */
import Fastify from 'fastify';
import { MemoryCounts, newId, sidCookie, sidOf } from '../lib/bare-counts.js';

const counts = new MemoryCounts();

const app = Fastify();
app.get('/init', async (_request, reply) => {
  const id = newId();
  counts.create(id);
  reply.header('set-cookie', sidCookie(id));
  return reply.type('text/plain').send('0');
});
app.get('/read', async (request, reply) => {
  const count = counts.read(sidOf(request.headers.cookie));
  if (count === undefined) return reply.code(401).type('text/plain').send('no session');
  return reply.type('text/plain').send(String(count));
});
app.get('/inc', async (request, reply) => {
  const count = counts.increment(sidOf(request.headers.cookie));
  if (count === undefined) return reply.code(401).type('text/plain').send('no session');
  return reply.type('text/plain').send(String(count));
});

await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' });
console.log('ready');
