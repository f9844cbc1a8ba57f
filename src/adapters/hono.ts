/**
 * sessionkit/hono: Hono 4 middleware. `c.get('session')` is typed through Hono's
 * Variables (`new Hono<SessionEnv<MyData>>()`). Runs wherever Hono runs: @hono/node-server,
 * app.fetch / app.request, Bun, Deno, Workers (no Node-only import).
 */
import type { Context, MiddlewareHandler } from 'hono';
import {
  checkRole,
  checkSession,
  type GuardDecision,
  type GuardOptions,
  type PlainReply,
  toRoleList,
  validateGuardOptions,
} from '../core/guards.js';
import type { SessionManager } from '../core/manager.js';
import { isPromise } from '../core/maybe.js';
import type { RequestContext } from '../core/request.js';
import type { Session, SessionData } from '../core/session.js';
import { claimSlot, sessionKeyOption } from './session-slot.js';
import { errorResponse, withCommitHeaders } from './web.js';

export type { GuardOptions } from '../core/guards.js';

/**
 * Hono env for apps using sessions: `new Hono<SessionEnv<{ count: number }>>()`. An app
 * with a second manager under another key adds it: `SessionEnv<User> & SessionEnv<Admin, 'admin'>`.
 */
export type SessionEnv<T extends SessionData = SessionData, K extends string = 'session'> = {
  Variables: { [P in K]: Session<T> };
};

export interface HonoSessionsOptions<K extends string = 'session'> {
  /**
   * Extra request facts the runtime knows: client IP, https behind a trusted proxy.
   * Default: from the Request alone (Cookie, User-Agent, the URL's scheme and host).
   */
  context?: (c: Context) => RequestContext;
  /** Builds the reply when the store fails. Default: 503 (store down) or 500, as text. */
  onError?: (error: unknown, c: Context) => Response | Promise<Response>;
  /**
   * The context variable holding the session: `c.get(key)`. Default 'session'. An app with
   * two managers (two cookies) gives the second its own key, and its guards the same key.
   */
  key?: K;
}

export function honoSessions<T extends SessionData, K extends string = 'session'>(
  manager: SessionManager<T>,
  options: HonoSessionsOptions<K> = {},
): MiddlewareHandler<SessionEnv<T, K>> {
  const key = sessionKeyOption(options.key);
  const context = options.context;
  const onError = options.onError ?? ((error: unknown) => errorResponse(error));
  const replace = (c: Context, response: Response) => {
    c.res = undefined; // so Hono does not carry the old headers (a Location) over
    c.res = response;
  };
  return async (c, next) => {
    if (!claimSlot(c, key, manager)) return next(); // mounted twice: loaded and committed once
    let session: Session<T>;
    try {
      const loaded = manager.loadNow(context ? context(c) : requestContextOf(c));
      session = isPromise(loaded) ? await loaded : loaded;
    } catch (error) {
      return onError(error, c);
    }
    (c as Context).set(key, session);
    await next();
    try {
      const committed = manager.commitNow(session);
      const result = isPromise(committed) ? await committed : committed;
      if (result.cookies.length === 0) return;
      // A fresh Response rather than mutating c.res.headers: @hono/node-server's Response
      // stand-in can rebuild its headers from the constructor's init and drop later changes.
      const response = new Response(c.res.body, c.res);
      withCommitHeaders(response, result);
      replace(c, response);
    } catch (error) {
      replace(c, await onError(error, c));
    }
  };
}

/** Node's headers as @hono/node-server passes them in c.env.incoming (read without building a Headers). */
interface IncomingLike {
  headers: Record<string, string | string[] | undefined>;
  socket?: { encrypted?: boolean };
}

/** The request facts, read the cheapest way the runtime allows. */
function requestContextOf(c: Context): RequestContext {
  const incoming = (c.env as { incoming?: IncomingLike } | undefined)?.incoming;
  if (incoming?.headers) {
    const headers = incoming.headers;
    return {
      cookie: headers.cookie as string | undefined,
      userAgent: headers['user-agent'] as string | undefined,
      host: headers.host as string | undefined,
      secure: incoming.socket?.encrypted === true,
    };
  }
  const url = c.req.url;
  const start = url.indexOf('//') + 2;
  const end = url.indexOf('/', start);
  return {
    cookie: c.req.header('cookie'),
    userAgent: c.req.header('user-agent'),
    host: url.slice(start, end === -1 ? undefined : end),
    secure: url.startsWith('https:'),
  };
}

function toResponse(reply: PlainReply): Response {
  return new Response(reply.body || null, { status: reply.status, headers: reply.headers });
}

/** A guard's options; `key` names the context variable of the session it checks. */
export interface HonoGuardOptions<K extends string = 'session'> extends GuardOptions {
  /** The `key` given to honoSessions() for the session to check. Default 'session'. */
  key?: K;
}

function guard<K extends string>(
  key: K,
  decide: (session: Session | undefined, path: string) => GuardDecision,
): MiddlewareHandler<SessionEnv<SessionData, K>> {
  return async (c, next) => {
    const decision = decide((c as Context).get(key) as Session | undefined, c.req.path);
    if (!decision.ok) return toResponse(decision.reply);
    await next();
  };
}

/** 401 (or a redirect) unless the session is signed in. */
export function requireSession<K extends string = 'session'>(
  options: HonoGuardOptions<K> = {},
): MiddlewareHandler<SessionEnv<SessionData, K>> {
  const settings = validateGuardOptions(options);
  return guard(sessionKeyOption(options.key), (session, path) => checkSession(session, path, settings));
}

/** 401 when anonymous, 403 (or a redirect) unless the session holds one of `roles`. */
export function requireRole<K extends string = 'session'>(
  roles: string | readonly string[],
  options: HonoGuardOptions<K> = {},
): MiddlewareHandler<SessionEnv<SessionData, K>> {
  const list = toRoleList(roles);
  const settings = validateGuardOptions(options);
  return guard(sessionKeyOption(options.key), (session, path) => checkRole(session, list, path, settings));
}
