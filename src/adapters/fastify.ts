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
import type { CommitResult, SessionManager } from '../core/manager.js';
import { isPromise, type MaybePromise } from '../core/maybe.js';
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

  // Callback hooks, not async ones: with a store that answers at once (MemoryStore, SQLite,
  // an unchanged session's commit) a request then goes on in the same tick, with no promise
  // made for it (bench/NOTES.md, "Fastify").
  const loadFailed = (error: unknown, request: FastifyRequest, reply: FastifyReply): void => {
    // Answering from an onRequest hook ends the request: `done` is not called.
    void send(reply, toReply(error, request, reply));
  };
  fastify.addHook('onRequest', (request, reply, done) => {
    let loaded: MaybePromise<SessionkitSession>;
    try {
      loaded = manager.loadNow({
        cookie: request.headers.cookie,
        userAgent: request.headers['user-agent'],
        ip: request.ip,
        secure: request.protocol === 'https',
        host: request.headers.host,
      });
    } catch (error) {
      return loadFailed(error, request, reply);
    }
    if (!isPromise(loaded)) {
      request.session = loaded;
      return done();
    }
    Promise.resolve(loaded).then(
      (session) => {
        request.session = session;
        done();
      },
      (error: unknown) => loadFailed(error, request, reply),
    );
  });

  /** Headers are not out yet: the reply becomes the error (a redirect must not survive it). */
  const commitFailed = (error: unknown, request: FastifyRequest, reply: FastifyReply): string => {
    const answer = toReply(error, request, reply);
    reply.removeHeader('location');
    reply.removeHeader('content-length');
    reply.code(answer.status).headers(answer.headers);
    return answer.body;
  };
  fastify.addHook('onSend', (request, reply, payload, done) => {
    const session = request.session;
    if (!session) return done(null, payload); // the load failed and this is its error reply
    let committed: MaybePromise<CommitResult>;
    try {
      committed = manager.commitNow(session);
    } catch (error) {
      return done(null, commitFailed(error, request, reply));
    }
    if (!isPromise(committed)) {
      addCommitHeaders(reply, committed);
      return done(null, payload);
    }
    Promise.resolve(committed).then(
      (result) => {
        addCommitHeaders(reply, result);
        done(null, payload);
      },
      (error: unknown) => done(null, commitFailed(error, request, reply)),
    );
  });
};

/** A commit's Set-Cookie and Cache-Control headers, on a reply whose headers are not out yet. */
function addCommitHeaders(reply: FastifyReply, result: CommitResult): void {
  if (result.cookies.length === 0) return;
  reply.header('set-cookie', result.cookies);
  for (const [name, value] of result.headers) if (!reply.hasHeader(name)) reply.header(name, value);
}

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
