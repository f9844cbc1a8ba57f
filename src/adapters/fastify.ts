/**
 * sessionkit/fastify: a Fastify 5 plugin. `request.session` is loaded in an onRequest hook
 * and committed in an onSend hook, so the store write is done before any header goes out.
 * Fastify's own `trustProxy` decides request.protocol and request.ip.
 *
 *   await app.register(fastifySessions, { manager });
 *   app.get('/me', { preHandler: requireSession() }, (request) => request.session.userId);
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
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

/**
 * The shape of `request.session`'s data. Augment it to type your keys:
 * `declare module 'sessionkit/fastify' { interface FastifySessionData { count: number } }`.
 */
export interface FastifySessionData extends SessionData {}

// An alias: inside `declare module 'fastify'`, a bare `Session` would resolve to fastify's own
// Session interface when another plugin (e.g. @fastify/session) adds one.
type SessionkitSession = Session<FastifySessionData>;

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's session (sessionkit/fastify). */
    session: SessionkitSession;
  }
}

export interface FastifySessionsOptions {
  // biome-ignore lint/suspicious/noExplicitAny: any manager's data type is accepted; request.session is typed by FastifySessionData.
  manager: SessionManager<any>;
  /** Store failure while loading or committing. Default: 503 (store down) or 500, as text. */
  onError?: (error: unknown, request: FastifyRequest, reply: FastifyReply) => PlainReply;
}

async function send(reply: FastifyReply, answer: PlainReply): Promise<FastifyReply> {
  return reply.code(answer.status).headers(answer.headers).send(answer.body);
}

const plugin: FastifyPluginAsync<FastifySessionsOptions> = async (fastify, options) => {
  const { manager } = options;
  if (!manager || typeof manager.load !== 'function') {
    throw new TypeError('sessionkit/fastify: register with { manager } (a SessionManager from createSessions())');
  }
  const toReply = options.onError ?? ((error: unknown) => errorReply(error));
  fastify.decorateRequest('session', null as unknown as Session<FastifySessionData>);

  fastify.addHook('onRequest', async (request, reply) => {
    try {
      request.session = await manager.loadNow({
        cookie: request.headers.cookie,
        userAgent: request.headers['user-agent'],
        ip: request.ip,
        secure: request.protocol === 'https',
        host: request.headers.host,
      });
    } catch (error) {
      return send(reply, toReply(error, request, reply));
    }
  });

  fastify.addHook('onSend', async (request, reply, payload) => {
    const session = request.session;
    if (!session) return payload; // the load failed and this is its error reply
    try {
      const result = await manager.commitNow(session);
      if (result.cookies.length === 0) return payload;
      reply.header('set-cookie', result.cookies);
      for (const [name, value] of result.headers) if (!reply.hasHeader(name)) reply.header(name, value);
      return payload;
    } catch (error) {
      // Headers are not out yet: replace the reply with the error (a redirect must not survive it).
      const answer = toReply(error, request, reply);
      reply.removeHeader('location');
      reply.removeHeader('content-length');
      reply.code(answer.status).headers(answer.headers);
      return answer.body;
    }
  });
};

/** The plugin; `fastify-plugin` keeps the hooks and decorator visible to the whole app. */
export const fastifySessions = fp(plugin, { fastify: '5.x', name: 'sessionkit' });
export default fastifySessions;

function guard(
  decide: (session: Session<FastifySessionData> | undefined, path: string) => GuardDecision,
): preHandlerAsyncHookHandler {
  return async function sessionGuard(request, reply) {
    const decision = decide(request.session ?? undefined, request.url);
    if (!decision.ok) return send(reply, decision.reply);
  };
}

/** A preHandler: 401 (or a redirect) unless the session is signed in. */
export function requireSession(options: GuardOptions = {}): preHandlerAsyncHookHandler {
  const settings = validateGuardOptions(options);
  return guard((session, path) => checkSession(session, path, settings));
}

/** A preHandler: 401 when anonymous, 403 (or a redirect) unless the session holds one of `roles`. */
export function requireRole(roles: string | readonly string[], options: GuardOptions = {}): preHandlerAsyncHookHandler {
  const list = toRoleList(roles);
  const settings = validateGuardOptions(options);
  return guard((session, path) => checkRole(session, list, path, settings));
}
