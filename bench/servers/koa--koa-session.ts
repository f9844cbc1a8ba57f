/**
 * The koa group's native peer: koa 3 + koa-session with an in-memory external store (a Map),
 * unsigned cookies, so it is a server-side session like sessionkit's MemoryStore rather
 * than koa-session's default cookie mode.
 */
import Koa from 'koa';
import session from 'koa-session';

const records = new Map<string, { value: Record<string, unknown>; expires: number }>();
const memoryStore = {
  async get(key: string) {
    const entry = records.get(key);
    if (!entry) return undefined;
    if (entry.expires <= Date.now()) {
      records.delete(key);
      return undefined;
    }
    return JSON.parse(JSON.stringify(entry.value));
  },
  async set(key: string, value: Record<string, unknown>, maxAge: number) {
    const ttl = maxAge > 0 ? maxAge : 86_400_000;
    records.set(key, { value: JSON.parse(JSON.stringify(value)), expires: Date.now() + ttl });
  },
  async destroy(key: string) {
    records.delete(key);
  },
};

const app = new Koa();
app.use(session({ store: memoryStore, signed: false, key: 'sid', maxAge: 1_800_000 }, app));
app.use((ctx) => {
  ctx.type = 'text/plain';
  const data = ctx.session as unknown as { count?: number };
  if (ctx.path === '/init') {
    data.count = 0;
    ctx.body = '0';
  } else if (ctx.path === '/read') {
    ctx.body = String(data.count ?? 0);
  } else if (ctx.path === '/inc') {
    data.count = (data.count ?? 0) + 1;
    ctx.body = String(data.count);
  } else {
    ctx.status = 404;
  }
});

app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => console.log('ready'));
