/**
 * Baseline for the koa group: koa 3 with no session library, doing the same work shape by
 * hand (set a cookie, look the client up by it, read or change a count).
 */
import Koa from 'koa';
import { MemoryCounts, newId, sidCookie, sidOf } from '../lib/bare-counts.js';

const counts = new MemoryCounts();

const app = new Koa();
app.use((ctx) => {
  ctx.type = 'text/plain';
  if (ctx.path === '/init') {
    const id = newId();
    counts.create(id);
    ctx.set('Set-Cookie', sidCookie(id));
    ctx.body = '0';
    return;
  }
  if (ctx.path === '/read' || ctx.path === '/inc') {
    const id = sidOf(ctx.get('cookie') || undefined);
    const count = ctx.path === '/inc' ? counts.increment(id) : counts.read(id);
    if (count === undefined) {
      ctx.status = 401;
      ctx.body = 'no session';
      return;
    }
    ctx.body = String(count);
    return;
  }
  ctx.status = 404;
});

app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => console.log('ready'));
