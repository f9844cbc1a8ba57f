/**
 * Baseline for the express group: express 5 with no session library. It does the same work
 * shape (set a cookie, look the client up by it, read or change a count) by hand, so the
 * ratio shows what a session layer costs on top of Express.
 */
import express from 'express';
import { MemoryCounts, newId, sidCookie, sidOf } from '../lib/bare-counts.js';
import { listenExpress } from '../lib/express-listen.js';

const counts = new MemoryCounts();

const app = express();
app.get('/init', (_req, res) => {
  const id = newId();
  counts.create(id);
  res.setHeader('Set-Cookie', sidCookie(id));
  res.type('text').send('0');
});
app.get('/read', (req, res) => {
  const count = counts.read(sidOf(req.headers.cookie));
  if (count === undefined) return void res.status(401).type('text').send('no session');
  res.type('text').send(String(count));
});
app.get('/inc', (req, res) => {
  const count = counts.increment(sidOf(req.headers.cookie));
  if (count === undefined) return void res.status(401).type('text').send('no session');
  res.type('text').send(String(count));
});

listenExpress(app);
