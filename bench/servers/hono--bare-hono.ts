/**
 * Baseline for the hono group: hono 4 on @hono/node-server with no session library, doing
 * the same work shape by hand (set a cookie, look the client up by it, read or change a count).
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { MemoryCounts, newId, sidCookie, sidOf } from '../lib/bare-counts.js';

const counts = new MemoryCounts();

const app = new Hono();
app.get('/init', (c) => {
  const id = newId();
  counts.create(id);
  c.header('set-cookie', sidCookie(id));
  return c.text('0');
});
app.get('/read', (c) => {
  const count = counts.read(sidOf(c.req.header('cookie')));
  return count === undefined ? c.text('no session', 401) : c.text(String(count));
});
app.get('/inc', (c) => {
  const count = counts.increment(sidOf(c.req.header('cookie')));
  return count === undefined ? c.text('no session', 401) : c.text(String(count));
});

serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000), hostname: '127.0.0.1' }, () => console.log('ready'));
