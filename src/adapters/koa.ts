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
import type { SessionManager } from '../core/manager.js';
import type { Session, SessionData } from '../core/session.js';

export type { GuardOptions } from '../core/guards.js';

/** Context extension for apps using sessions: `new Koa<DefaultState, SessionContext<MyData>>()`. */
export interface SessionContext<T extends SessionData = SessionData> {
  session: Session<T>;
}

type Ctx<T extends SessionData> = ParameterizedContext<DefaultState, SessionContext<T>>;

export interface KoaSessionsOptions {
  /** Builds the reply when the store fails. Default: 503 (store down) or 500, as text. */
  onError?: (error: unknown, ctx: ParameterizedContext) => PlainReply;
}

/** Replaces whatever the response held (a redirect's Location included) with `reply`. */
function answer(ctx: ParameterizedContext, reply: PlainReply): void {
  for (const name of ctx.res.getHeaderNames()) ctx.remove(name);
  ctx.status = reply.status;
  ctx.set(reply.headers);
  ctx.body = reply.body;
}

export function koaSessions<T extends SessionData>(
  manager: SessionManager<T>,
  options: KoaSessionsOptions = {},
): Middleware<DefaultState, SessionContext<T>> {
  const toReply = options.onError ?? ((error: unknown) => errorReply(error));
  return async function sessionkit(ctx: Ctx<T>, next) {
    let session: Session<T>;
    try {
      session = await manager.loadNow({
        cookie: ctx.get('cookie'),
        userAgent: ctx.get('user-agent'),
        ip: ctx.ip,
        secure: ctx.secure,
        host: ctx.get('host'),
      });
    } catch (error) {
      return answer(ctx, toReply(error, ctx));
    }
    ctx.session = session;
    await next();
    try {
      const result = await manager.commitNow(session);
      if (result.cookies.length === 0) return;
      ctx.append('Set-Cookie', result.cookies);
      for (const [name, value] of result.headers) if (!ctx.res.hasHeader(name)) ctx.set(name, value);
    } catch (error) {
      answer(ctx, toReply(error, ctx));
    }
  };
}

function guard<T extends SessionData>(
  decide: (session: Session | undefined, path: string) => GuardDecision,
): Middleware<DefaultState, SessionContext<T>> {
  return async function sessionGuard(ctx, next) {
    // Undefined when koaSessions() was not mounted before the guard: treated as signed out.
    const decision = decide(ctx.session as Session | undefined, ctx.path);
    if (decision.ok) return next();
    ctx.status = decision.reply.status;
    ctx.set(decision.reply.headers);
    ctx.body = decision.reply.body;
  };
}

/** 401 (or a redirect) unless the session is signed in. */
export function requireSession<T extends SessionData = SessionData>(
  options: GuardOptions = {},
): Middleware<DefaultState, SessionContext<T>> {
  const settings = validateGuardOptions(options);
  return guard((session, path) => checkSession(session, path, settings));
}

/** 401 when anonymous, 403 (or a redirect) unless the session holds one of `roles`. */
export function requireRole<T extends SessionData = SessionData>(
  roles: string | readonly string[],
  options: GuardOptions = {},
): Middleware<DefaultState, SessionContext<T>> {
  const list = toRoleList(roles);
  const settings = validateGuardOptions(options);
  return guard((session, path) => checkRole(session, list, path, settings));
}
