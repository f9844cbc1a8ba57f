/**
 * The demo application: sessionkit/node + sessionkit/auth + sessionkit/metrics on a
 * plain node:http server with a small router. createDemo() is what server.ts runs and
 * what the tests start (several times, on any store).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { withSessions } from '../../src/adapters/node.js';
import {
  clientOfRequest,
  createAuth,
  isSafeMethod,
  verifyCsrf,
  CSRF_FIELD,
  CSRF_HEADER,
} from '../../src/auth/index.js';
import { createSessions } from '../../src/core/manager.js';
import type { SessionEvent } from '../../src/core/events.js';
import { timingSafeEqual } from '../../src/core/platform.js';
import { createMetrics } from '../../src/metrics/index.js';
import { type OpenedStore, openStore } from '../../src/cli/open-store.js';
import { apiRoutes } from './api-routes.js';
import type { DemoConfig } from './config.js';
import { type Context, type DemoData, Router, readBody, secureHeaders, sendJson } from './http.js';
import type { Services } from './services.js';
import { UserDirectory } from './users.js';
import { htmlError, webRoutes } from './web-routes.js';

const HOUR = 3_600_000;

export interface Demo extends Services {
  server: Server;
  store: OpenedStore;
  /** Starts listening; resolves with the base URL. */
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

export interface DemoOptions {
  /** Audit log for every session and auth event (default: none). */
  audit?: (event: SessionEvent | object) => void;
  /** Called when the default store cannot be opened and the demo falls back to memory. */
  warn?: (message: string) => void;
}

async function openDemoStore(config: DemoConfig, warn: (message: string) => void): Promise<OpenedStore> {
  const isSqlite = !/^(redis|rediss|postgres|postgresql|mysql|mariadb|memory):/i.test(config.storeUrl);
  try {
    return await openStore(config.storeUrl, { createTable: true });
  } catch (error) {
    if (!isSqlite || config.production) throw error;
    warn(`SQLite store unavailable (${(error as Error).message}); using an in-memory store instead.`);
    return openStore('memory:');
  }
}

export async function createDemo(config: DemoConfig, options: DemoOptions = {}): Promise<Demo> {
  const warn = options.warn ?? ((message: string) => console.warn(`demo: ${message}`));
  const store = await openDemoStore(config, warn);
  const metrics = createMetrics({ audit: options.audit });
  const manager = createSessions<DemoData>({
    store: metrics.instrument(store.store),
    keys: config.keys,
    transport: 'both',
    // Remember-me keeps a device signed in for up to a week; a day of inactivity ends any session.
    lifetime: 7 * 24 * HOUR,
    idleTimeout: 24 * HOUR,
    // A new id every hour of use, so a leaked one stops working by itself (30 s grace).
    renewal: { every: HOUR },
    cookie: config.production ? { name: '__Host-sid', secure: true } : { name: 'sid' },
    onEvent: metrics.onEvent,
  });
  const auth = createAuth(manager, {
    maxSessionsPerUser: 5,
    binding: { userAgent: true, policy: 'flag' },
    onEvent: metrics.onAuthEvent,
  });
  const users = await UserDirectory.seeded();
  const services: Services = { config, manager, auth, users, metrics };

  const router = new Router();
  webRoutes(router, services);
  apiRoutes(router, services);

  const sessionHandler = withSessions(
    manager,
    async (req, res, session) => {
      const url = new URL(req.url ?? '/', 'http://demo.invalid');
      const method = (req.method ?? 'GET').toUpperCase();
      const ctx: Context = {
        req,
        res,
        session,
        url,
        method,
        body: {},
        client: clientOfRequest(req, config.trustProxy),
      };
      const api = url.pathname.startsWith('/api/');
      const fail = (status: number, title: string, message: string) =>
        api
          ? sendJson(res, status, { error: title.toLowerCase().replace(/ /g, '-'), message })
          : htmlError(ctx, status, title, message, services);

      const route = router.match(method, url.pathname);
      if (route === undefined) return fail(404, 'Not found', 'There is no page at this address.');
      if (route === 'method') return fail(405, 'Method not allowed', `${method} is not supported here.`);

      if (auth.isSignedIn(session) && !auth.checkBinding(session, ctx.client).ok) {
        session.flash('messages', { kind: 'info', text: 'Your session was ended for safety. Please sign in again.' });
      }
      if (!isSafeMethod(method)) {
        const body = await readBody(req);
        if (body === 'too-large') return fail(413, 'Too large', 'The request body is too large.');
        if (body === 'bad-json') return fail(400, 'Bad request', 'The body is not a JSON object.');
        ctx.body = body;
        if (!csrfOk(ctx, body)) {
          auth.reportCsrfFailure(session, ctx.client.ip);
          return fail(
            403,
            'Forbidden',
            'The form has expired or did not come from this site. Reload the page and try again.',
          );
        }
      }
      await route(ctx);
    },
    { trustProxy: config.trustProxy },
  );

  const server = createServer((req, res) => {
    secureHeaders(res);
    // Metrics skip the session machinery entirely (and their own bearer token is not a session).
    if ((req.url ?? '').split('?')[0] === '/metrics') return void serveMetrics(req, res);
    void sessionHandler(req, res);
  });

  async function serveMetrics(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const token = config.metricsToken;
    if (token && !timingSafeEqual(req.headers.authorization ?? '', `Bearer ${token}`)) {
      res.statusCode = 401;
      res.setHeader('WWW-Authenticate', 'Bearer');
      return void res.end('metrics need a bearer token\n');
    }
    res.setHeader('Content-Type', metrics.contentType);
    res.end(await metrics.render());
  }

  return {
    ...services,
    server,
    store,
    listen(port = config.port, host = config.host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const { port: actual } = server.address() as AddressInfo;
          resolve(`http://${host.includes(':') ? `[${host}]` : host}:${actual}`);
        });
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await manager.close();
      await store.close();
    },
  };
}

/**
 * The CSRF rule: form posts and cookie-authenticated API calls carry the session's token
 * (form field or X-CSRF-Token header). The JSON login is exempt: a cross-site page cannot
 * send `Content-Type: application/json` without a CORS preflight, which this app never grants.
 */
function csrfOk(ctx: Context, body: Record<string, unknown>): boolean {
  const jsonLogin =
    ctx.url.pathname === '/api/v1/login' && /^application\/json\b/i.test(ctx.req.headers['content-type'] ?? '');
  if (jsonLogin) return true;
  const header = ctx.req.headers[CSRF_HEADER];
  const submitted =
    typeof body[CSRF_FIELD] === 'string' ? (body[CSRF_FIELD] as string) : Array.isArray(header) ? header[0] : header;
  return verifyCsrf(ctx.session, ctx.method, submitted);
}
