/**
 * The hono 4 app on @hono/node-server that the hono session servers run, so they differ
 * only in their session middleware: GET /init, /read, /inc as docs/benchmarks.md describes.
 */
import { serve } from '@hono/node-server';
import { Hono, type MiddlewareHandler } from 'hono';

// Both middlewares put a session with get/set on the context; a narrow view of it.
type CountSession = { get(key: 'count'): number | null | undefined; set(key: 'count', value: number): void };

/** Serve on 127.0.0.1:$PORT behind middleware (which sets `session`) and print `ready`. */
export function serveHonoSessions(middleware: MiddlewareHandler): void {
  const app = new Hono<{ Variables: { session: CountSession } }>();
  app.use('*', middleware);
  app.get('/init', (c) => {
    c.get('session').set('count', 0);
    return c.text('0');
  });
  app.get('/read', (c) => c.text(String(c.get('session').get('count') ?? 0)));
  app.get('/inc', (c) => {
    const session = c.get('session');
    const count = (session.get('count') ?? 0) + 1;
    session.set('count', count);
    return c.text(String(count));
  });

  serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000), hostname: '127.0.0.1' }, () =>
    console.log('ready'),
  );
}
