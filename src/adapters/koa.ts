/**
 * sessionkit/koa: Koa 2/3 middleware. `ctx.session` is typed through the context generic
 * (`new Koa<DefaultState, SessionContext<MyData>>()`), not a global declaration. Koa writes
 * the response after the middleware chain settles, so the commit lands before any header.
 * Koa's own `app.proxy` decides ctx.secure and ctx.ip.
 */
import type { DefaultState, Middleware, ParameterizedContext } from 'koa';
import {
  checkRole,
  checkSession,
  errorReply,
  type GuardDecision,
  type GuardOptions,
  type PlainReply,
  toRoleList,
  validateGuardOptions,
} from '../core/guards.js';
import { SessionError } from '../core/errors.js';
import type { SessionManager } from '../core/manager.js';
import { isPromise } from '../core/maybe.js';
import type { Session, SessionData } from '../core/session.js';
import { claimSlot, sessionKeyOption } from './session-slot.js';

export type { GuardOptions } from '../core/guards.js';

/**
 * Context extension for apps using sessions: `new Koa<DefaultState, SessionContext<MyData>>()`.
 * An app with a second manager under another key adds it:
 * `SessionContext<User> & SessionContext<Admin, 'admin'>`.
 */
export type SessionContext<T extends SessionData = SessionData, K extends string = 'session'> = {
  [P in K]: Session<T>;
};

export interface KoaSessionsOptions<K extends string = 'session'> {
  /** Builds the reply when the store fails. Default: 503 (store down) or 500, as text. */
  onError?: (error: unknown, ctx: ParameterizedContext) => PlainReply;
  /**
   * The context property holding the session: `ctx[key]`. Default 'session'. An app with
   * two managers (two cookies) gives the second its own key, and its guards the same key.
   * A key Koa's context already has (`body`, `state`, ...) is refused on the first request.
   */
  key?: K;
}

/** A guard's options; `key` names the context property of the session it checks. */
export interface KoaGuardOptions<K extends string = 'session'> extends GuardOptions {
  /** The `key` given to koaSessions() for the session to check. Default 'session'. */
  key?: K;
}

/** What Koa sets on each context itself (the rest of its members are on app.context). */
const KOA_OWN = new Set(['request', 'response', 'app', 'req', 'res', 'originalUrl', 'state', 'respond']);

/** The context as the adapter writes it: any key. */
type AnyCtx = ParameterizedContext & Record<string, unknown>;

/** Replaces whatever the response held (a redirect's Location included) with `reply`. */
function answer(ctx: ParameterizedContext, reply: PlainReply): void {
  for (const name of ctx.res.getHeaderNames()) ctx.remove(name);
  ctx.status = reply.status;
  ctx.set(reply.headers);
  ctx.body = reply.body;
}

export function koaSessions<T extends SessionData, K extends string = 'session'>(
  manager: SessionManager<T>,
  options: KoaSessionsOptions<K> = {},
): Middleware<DefaultState, SessionContext<T, K>> {
  const toReply = options.onError ?? ((error: unknown) => errorReply(error));
  const key = sessionKeyOption(options.key);
  let checked = key === 'session';
  return async function sessionkit(context, next) {
    const ctx = context as unknown as AnyCtx;
    if (!checked) {
      // Koa's own members: on the app's context prototype, or set on each context by Koa.
      if (key in ctx.app.context || KOA_OWN.has(key)) {
        throw new SessionError(
          'invalid-option',
          `koaSessions: key '${key}' is already a property of Koa's context; choose another, such as 'adminSession'`,
          { details: { option: 'key' } },
        );
      }
      checked = true;
    }
    if (!claimSlot(ctx, key, manager)) return next(); // mounted twice: loaded and committed once
    let session: Session<T>;
    try {
      const loaded = manager.loadNow({
        cookie: ctx.get('cookie'),
        userAgent: ctx.get('user-agent'),
        ip: ctx.ip,
        secure: ctx.secure,
        host: ctx.get('host'),
      });
      session = isPromise(loaded) ? await loaded : loaded;
    } catch (error) {
      return answer(ctx, toReply(error, ctx));
    }
    ctx[key] = session;
    await next();
    try {
      const committed = manager.commitNow(session);
      const result = isPromise(committed) ? await committed : committed;
      if (result.cookies.length === 0) return;
      ctx.append('Set-Cookie', result.cookies);
      for (const [name, value] of result.headers) if (!ctx.res.hasHeader(name)) ctx.set(name, value);
    } catch (error) {
      answer(ctx, toReply(error, ctx));
    }
  };
}

function guard<T extends SessionData, K extends string>(
  key: K,
  decide: (session: Session | undefined, path: string) => GuardDecision,
): Middleware<DefaultState, SessionContext<T, K>> {
  return async function sessionGuard(context, next) {
    const ctx = context as unknown as AnyCtx;
    // Undefined when koaSessions() was not mounted before the guard: treated as signed out.
    const decision = decide(ctx[key] as Session | undefined, ctx.path);
    if (decision.ok) return next();
    ctx.status = decision.reply.status;
    ctx.set(decision.reply.headers);
    ctx.body = decision.reply.body;
  };
}

/** 401 (or a redirect) unless the session is signed in. */
export function requireSession<T extends SessionData = SessionData, K extends string = 'session'>(
  options: KoaGuardOptions<K> = {},
): Middleware<DefaultState, SessionContext<T, K>> {
  const settings = validateGuardOptions(options);
  return guard(sessionKeyOption(options.key), (session, path) => checkSession(session, path, settings));
}

/** 401 when anonymous, 403 (or a redirect) unless the session holds one of `roles`. */
export function requireRole<T extends SessionData = SessionData, K extends string = 'session'>(
  roles: string | readonly string[],
  options: KoaGuardOptions<K> = {},
): Middleware<DefaultState, SessionContext<T, K>> {
  const list = toRoleList(roles);
  const settings = validateGuardOptions(options);
  return guard(sessionKeyOption(options.key), (session, path) => checkRole(session, list, path, settings));
}
