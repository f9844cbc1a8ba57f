/** The koa group's target: koa 3 + sessionkit/koa + MemoryStore. */
import Koa, { type DefaultState } from 'koa';
import { koaSessions, type SessionContext } from 'sessionkit/koa';
import { createSessions } from 'sessionkit';
import { MemoryStore } from 'sessionkit/memory';

type Data = { count: number };
const manager = createSessions<Data>({ store: new MemoryStore(), cookie: { secure: false } });

const app = new Koa<DefaultState, SessionContext<Data>>();
app.use(koaSessions(manager));
app.use((ctx) => {
  ctx.type = 'text/plain';
  const session = ctx.session;
  if (ctx.path === '/init') {
    session.set('count', 0);
    ctx.body = '0';
  } else if (ctx.path === '/read') {
    ctx.body = String(session.get('count') ?? 0);
  } else if (ctx.path === '/inc') {
    const count = (session.get('count') ?? 0) + 1;
    session.set('count', count);
    ctx.body = String(count);
  } else {
    ctx.status = 404;
  }
});

app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => console.log('ready'));
