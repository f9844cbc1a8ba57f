/**
 * Reference for the Express target, not a peer: the bare Express server's GET and SET, by
 * hand with no session library, but shaped the way any session middleware must be. An
 * `app.use` middleware reads the client's JSON `{count}` with GET before the routes run and
 * hands it to them on the request; /inc changes it and SETs it back before responding.
 * Its ratio to express-session-connect-redis is the most a session middleware on Express
 * could reach; redis--bare-express-node-redis, which does the work in the routes, has no
 * middleware to pay for.
 */
import express, { type Request } from 'express';
import { createClient } from 'redis';
import { newId, sidCookie, sidOf, TTL_MS } from '../lib/bare-counts.js';
import { listenExpress } from '../lib/express-listen.js';

const redis = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
await redis.connect();

type Loaded = Request & { sid?: string; counter?: { count: number } };

const app = express();
app.use((req: Loaded, res, next) => {
  const id = sidOf(req.headers.cookie);
  if (req.path === '/init' || id === undefined) return next();
  redis.get(`bare:${id}`).then(
    (value) => {
      req.sid = id;
      if (value) req.counter = JSON.parse(value) as { count: number };
      next();
    },
    () => void res.status(503).type('text').send('redis unavailable'),
  );
});
app.get('/init', (_req, res) => {
  const id = newId();
  redis.set(`bare:${id}`, JSON.stringify({ count: 0 }), { PX: TTL_MS }).then(
    () => {
      res.setHeader('Set-Cookie', sidCookie(id));
      res.type('text').send('0');
    },
    () => void res.status(503).type('text').send('redis unavailable'),
  );
});
app.get('/read', (req: Loaded, res) => {
  if (!req.counter) return void res.status(401).type('text').send('no session');
  res.type('text').send(String(req.counter.count));
});
app.get('/inc', (req: Loaded, res) => {
  const counter = req.counter;
  if (!counter) return void res.status(401).type('text').send('no session');
  counter.count += 1;
  redis.set(`bare:${req.sid}`, JSON.stringify(counter), { PX: TTL_MS }).then(
    () => void res.type('text').send(String(counter.count)),
    () => void res.status(503).type('text').send('redis unavailable'),
  );
});
listenExpress(app);
