/**
 * sessionkit/node: sessions for plain node:http servers. The session is committed
 * (store written, Set-Cookie added) before the first byte of the response goes out,
 * so a redirect right after login can never race the next request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { isSessionError } from '../core/errors.js';
import type { CommitResult, SessionManager } from '../core/manager.js';
import { isPromise, type MaybePromise } from '../core/maybe.js';
import { clientAddress, forwardedSecure, type TrustProxy, validateTrustProxy } from '../core/proxy.js';
import type { RequestContext } from '../core/request.js';
import type { Session, SessionData } from '../core/session.js';

export interface NodeSessionOptions {
  /** Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed. Default false. */
  trustProxy?: TrustProxy;
  /**
   * Called when the store fails while loading or committing, before a response is sent.
   * Default: reply 503 (store unavailable) or 500 (anything else) with a short text body.
   */
  onError?: (error: unknown, req: IncomingMessage, res: ServerResponse) => void;
}

/** What the manager needs to know about a node:http request. */
export function nodeRequestContext(req: IncomingMessage, trustProxy: TrustProxy = false): RequestContext {
  const headers = req.headers;
  const peer = req.socket?.remoteAddress;
  const forwarded = headers['x-forwarded-for'];
  const proto = headers['x-forwarded-proto'];
  return {
    cookie: headers.cookie,
    userAgent: headers['user-agent'],
    ip: clientAddress(peer, Array.isArray(forwarded) ? forwarded.join(',') : forwarded, trustProxy),
    secure:
      (req.socket as TLSSocket | undefined)?.encrypted === true ||
      forwardedSecure(peer, Array.isArray(proto) ? proto[0] : proto, trustProxy),
    host: headers.host,
    authorization: headers.authorization,
  };
}

/** The default error reply: 503 for store trouble, 500 for anything else. */
export function replyWithError(error: unknown, res: ServerResponse): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const unavailable = isSessionError(error, 'store-unavailable') || isSessionError(error, 'store-timeout');
  res.statusCode = unavailable ? 503 : 500;
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  if (unavailable) res.setHeader('Retry-After', '5');
  res.end(unavailable ? 'Service unavailable: session store not reachable\n' : 'Internal server error\n');
}

/**
 * Holds back writeHead / write / end / flushHeaders until `commit` has finished, then
 * adds its headers and lets the response through. Used by every node-based adapter.
 * A commit that answers at once (nothing to write, or an in-process store) lets the
 * first call straight through.
 */
export function commitBeforeHeaders(
  res: ServerResponse,
  commit: () => MaybePromise<CommitResult>,
  onError: (error: unknown) => void,
): void {
  new ResponseGate(res, commit, onError);
}

type Method = 'writeHead' | 'write' | 'end' | 'flushHeaders';

/** One per response: patches the four methods that send, replays the calls once committed. */
class ResponseGate {
  readonly #res: ServerResponse;
  readonly #commit: () => MaybePromise<CommitResult>;
  readonly #onError: (error: unknown) => void;
  readonly #original: Pick<ServerResponse, Method>;
  #queue: [Method, unknown[]][] | undefined;

  constructor(res: ServerResponse, commit: () => MaybePromise<CommitResult>, onError: (error: unknown) => void) {
    this.#res = res;
    this.#commit = commit;
    this.#onError = onError;
    this.#original = { writeHead: res.writeHead, write: res.write, end: res.end, flushHeaders: res.flushHeaders };
    res.writeHead = ((...args: unknown[]) => this.#hold('writeHead', args, res)) as ServerResponse['writeHead'];
    res.write = ((...args: unknown[]) => this.#hold('write', args, true)) as ServerResponse['write'];
    res.end = ((...args: unknown[]) => this.#hold('end', args, res)) as ServerResponse['end'];
    res.flushHeaders = () => this.#hold('flushHeaders', [], undefined);
  }

  #hold<R>(method: Method, args: unknown[], result: R): R {
    if (this.#queue) {
      this.#queue.push([method, args]);
      return result;
    }
    let committed: MaybePromise<CommitResult>;
    try {
      committed = this.#commit();
    } catch (error) {
      this.#restore();
      this.#onError(error);
      return result;
    }
    if (!isPromise(committed)) {
      this.#restore();
      this.#apply(committed);
      return (this.#original[method] as (...a: unknown[]) => R).apply(this.#res, args);
    }
    this.#queue = [[method, args]];
    Promise.resolve(committed).then(
      (done) => this.#release(done),
      (error: unknown) => {
        this.#restore();
        this.#onError(error);
      },
    );
    return result;
  }

  #apply(committed: CommitResult): void {
    if (!this.#res.headersSent) applyCommitResult(this.#res, committed);
  }

  #release(committed: CommitResult): void {
    const res = this.#res;
    this.#restore();
    this.#apply(committed);
    for (const [method, args] of this.#queue!)
      (this.#original[method] as (...a: unknown[]) => unknown).apply(res, args);
  }

  #restore(): void {
    const res = this.#res;
    const original = this.#original;
    res.writeHead = original.writeHead;
    res.write = original.write;
    res.end = original.end;
    res.flushHeaders = original.flushHeaders;
  }
}

/** Adds a commit's Set-Cookie and Cache-Control headers to a response that has not started. */
export function applyCommitResult(res: ServerResponse, result: CommitResult): void {
  if (result.cookies.length === 0) return;
  res.appendHeader('Set-Cookie', result.cookies);
  for (const [name, value] of result.headers) if (!res.hasHeader(name)) res.setHeader(name, value);
}

/**
 * Loads the request's session and arranges for it to be committed before the response
 * goes out. Throws what manager.load() throws (store down): catch it, or use withSessions().
 */
export async function loadSession<T extends SessionData>(
  manager: SessionManager<T>,
  req: IncomingMessage,
  res: ServerResponse,
  options: NodeSessionOptions = {},
): Promise<Session<T>> {
  const session = await manager.loadNow(nodeRequestContext(req, options.trustProxy));
  const onError = options.onError ?? ((error: unknown) => replyWithError(error, res));
  gate(manager, session, req, res, onError);
  return session;
}

function gate<T extends SessionData>(
  manager: SessionManager<T>,
  session: Session<T>,
  req: IncomingMessage,
  res: ServerResponse,
  onError: NonNullable<NodeSessionOptions['onError']>,
): void {
  commitBeforeHeaders(
    res,
    () => manager.commitNow(session),
    (error) => onError(error, req, res),
  );
}

export type SessionHandler<T extends SessionData> = (
  req: IncomingMessage,
  res: ServerResponse,
  session: Session<T>,
) => unknown;

/**
 * Wraps a node:http handler: `http.createServer(withSessions(manager, (req, res, session) => ...))`.
 * A store failure while loading gets a 503 without calling the handler. With an
 * in-process store the handler runs in the same tick as the request event.
 */
export function withSessions<T extends SessionData>(
  manager: SessionManager<T>,
  handler: SessionHandler<T>,
  options: NodeSessionOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void | Promise<void> {
  const trustProxy = validateTrustProxy(options.trustProxy);
  const onError =
    options.onError ?? ((error: unknown, _req: IncomingMessage, res: ServerResponse) => replyWithError(error, res));
  const handlerFailed = (error: unknown, res: ServerResponse) => {
    if (!res.headersSent && !res.writableEnded) {
      res.statusCode = 500;
      res.end('Internal server error\n');
    }
    // Rethrowing from a request listener would crash the process; report it instead.
    console.error('sessionkit/node: request handler failed', error);
  };
  const run = (req: IncomingMessage, res: ServerResponse, session: Session<T>): void | Promise<void> => {
    gate(manager, session, req, res, onError);
    try {
      const done = handler(req, res, session);
      if (isPromise(done)) return Promise.resolve(done).then(noop, (error: unknown) => handlerFailed(error, res));
    } catch (error) {
      handlerFailed(error, res);
    }
  };
  return (req, res) =>
    withLoadedSession(
      manager,
      nodeRequestContext(req, trustProxy),
      (session) => run(req, res, session),
      (error) => onError(error, req, res),
    );
}

/**
 * Loads the request's session and hands it to `use`: in this same tick when the store
 * answers at once, later otherwise. A store failure goes to `fail` instead, whether the
 * store threw or rejected. Shared by the node-based adapters.
 */
export function withLoadedSession<T extends SessionData>(
  manager: SessionManager<T>,
  context: RequestContext,
  use: (session: Session<T>) => void | Promise<void>,
  fail: (error: unknown) => void,
): void | Promise<void> {
  let loaded: MaybePromise<Session<T>>;
  try {
    loaded = manager.loadNow(context);
  } catch (error) {
    fail(error);
    return;
  }
  if (!isPromise(loaded)) return use(loaded);
  return Promise.resolve(loaded).then(use, fail);
}

function noop(): void {}
