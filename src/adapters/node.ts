/**
 * sessionkit/node: sessions for plain node:http servers. The session is committed
 * (store written, Set-Cookie added) before the first byte of the response goes out,
 * so a redirect right after login can never race the next request.
 */
import { type IncomingMessage, ServerResponse } from 'node:http';
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
 *
 * A response has at most one gate. A second call for the same response (two managers,
 * each with its own cookie) adds its commit to that gate: the commits run one after
 * another, in the order they were added, before anything is sent. When one fails, its
 * onError answers; the commits before it stay written, the ones after it do not run.
 *
 * `shared`: the response inherits from a framework's own response prototype (Express's
 * `express.response`, below every app's `app.response`). The four methods are then
 * installed on that prototype once instead of on every response: adding four methods to
 * each response, which Express has already given a prototype of its own, costs it about a
 * sixth of its throughput, while one symbol property costs next to nothing. Responses
 * without a gate pass through those methods unchanged.
 */
export function commitBeforeHeaders(
  res: ServerResponse,
  commit: () => MaybePromise<CommitResult>,
  onError: (error: unknown) => void,
  shared = false,
): void {
  const current = (res as unknown as Record<symbol, ResponseGate | undefined>)[GATE];
  if (current?.holding) {
    current.add(commit, onError);
    return;
  }
  const gate = new ResponseGate(res, commit, onError);
  const target = shared ? sharedTarget(res) : undefined;
  if (target !== undefined) {
    installOn(target);
    (res as unknown as Record<symbol, ResponseGate>)[GATE] = gate;
  } else gate.patch();
}

type Method = 'writeHead' | 'write' | 'end' | 'flushHeaders';
const METHODS: readonly Method[] = ['writeHead', 'write', 'end', 'flushHeaders'];
const GATE = Symbol('sessionkit.gate');
/** Response prototypes that carry the gate's methods. */
const installed = new WeakSet<object>();

/**
 * The prototype just above node's ServerResponse.prototype in the response's chain (never
 * node's own: nothing is patched globally), provided nothing below it (the response itself,
 * an app's prototype) has methods of its own that would hide the gate's, e.g. a middleware
 * that wrapped `end` first. Undefined otherwise: the response is then patched itself.
 */
function sharedTarget(res: ServerResponse): object | undefined {
  let object: object = res;
  for (let depth = 0; depth < 4; depth++) {
    const up = Object.getPrototypeOf(object) as object | null;
    if (up === null) return undefined;
    for (const method of METHODS) if (Object.hasOwn(object, method)) return undefined;
    if (Object.getPrototypeOf(up) === ServerResponse.prototype) return up;
    object = up;
  }
  return undefined;
}

function installOn(shared: object): void {
  if (installed.has(shared)) return;
  installed.add(shared);
  for (const method of METHODS) {
    const base = Reflect.get(shared, method) as Base;
    Object.defineProperty(shared, method, { configurable: true, writable: true, value: gated(method, base) });
  }
}

type Base = (...args: unknown[]) => unknown;
type Commit = () => MaybePromise<CommitResult>;
type OnError = (error: unknown) => void;

/**
 * A sending method that waits for the commits while the response's gate holds. `shared`:
 * the method it stands in for on a prototype; without it, the response's own earlier one.
 */
function gated(method: Method, shared?: Base): Base {
  return function (this: ServerResponse, ...args: unknown[]) {
    const gate = (this as unknown as Record<symbol, ResponseGate | undefined>)[GATE];
    const base = shared ?? gate?.base(method) ?? (ServerResponse.prototype[method] as Base);
    return gate?.holding ? gate.hold(method, args, base) : base.apply(this, args);
  };
}

/**
 * What `patch` gives each response: the same four functions every time, never closures made
 * per response. Per-response closures stored on the response keep V8 from collecting
 * finished responses young: it then allocates requests and responses straight in the old
 * generation (allocation-site pretenuring), which cost the cookie benchmark 10% to 20%.
 */
const OWN = Object.fromEntries(METHODS.map((method) => [method, gated(method)])) as Record<Method, Base>;

/** One per response: intercepts the four methods that send, replays the calls once committed. */
class ResponseGate {
  readonly #res: ServerResponse;
  readonly #commit: Commit;
  readonly #onError: OnError;
  /** Commits added by later calls for the same response (a second manager). */
  #more: [Commit, OnError][] | undefined;
  /** How many commits have finished. */
  #done = 0;
  /** The methods as they were before the gate (own patches only; shared ones pass their base). */
  #original: Pick<ServerResponse, Method> | undefined;
  #queue: [Method, unknown[], Base][] | undefined;
  holding = true;

  constructor(res: ServerResponse, commit: Commit, onError: OnError) {
    this.#res = res;
    this.#commit = commit;
    this.#onError = onError;
  }

  /** Gives this one response the four methods as own properties. */
  patch(): void {
    const res = this.#res;
    this.#original = { writeHead: res.writeHead, write: res.write, end: res.end, flushHeaders: res.flushHeaders };
    (res as unknown as Record<symbol, ResponseGate>)[GATE] = this;
    res.writeHead = OWN.writeHead as ServerResponse['writeHead'];
    res.write = OWN.write as ServerResponse['write'];
    res.end = OWN.end as ServerResponse['end'];
    res.flushHeaders = OWN.flushHeaders as ServerResponse['flushHeaders'];
  }

  /** The method this response had before `patch`. */
  base(method: Method): Base {
    return (this.#original as unknown as Record<Method, Base>)[method];
  }

  /** One more commit to finish before the response goes out. */
  add(commit: Commit, onError: OnError): void {
    (this.#more ??= []).push([commit, onError]);
  }

  /** A sending call while the commits are pending or not yet started; `base` is the real method. */
  hold(method: Method, args: unknown[], base: Base): unknown {
    const res = this.#res;
    // What the real method would return while its call waits: write() says "keep writing".
    const held = method === 'write' ? true : method === 'flushHeaders' ? undefined : res;
    if (this.#queue) {
      this.#queue.push([method, args, base]);
      return held;
    }
    const finished = this.#run();
    if (finished === true) return base.apply(res, args);
    if (finished === false) return held;
    this.#queue = [[method, args, base]];
    finished.then((ok) => {
      if (ok) for (const [, queued, real] of this.#queue!) real.apply(res, queued);
    });
    return held;
  }

  /**
   * Runs the commits not yet finished, adding each one's headers. True: all done, the
   * response is let through. False: one failed, and its onError has answered. A promise of
   * either when a commit waits on its store (it never rejects).
   */
  #run(): boolean | Promise<boolean> {
    for (;;) {
      let commit = this.#commit;
      let onError = this.#onError;
      if (this.#done > 0) {
        const more = this.#more?.[this.#done - 1];
        if (more === undefined) {
          this.#restore();
          return true;
        }
        [commit, onError] = more;
      }
      let committed: MaybePromise<CommitResult>;
      try {
        committed = commit();
        if (!isPromise(committed)) {
          this.#committed(committed);
          continue;
        }
      } catch (error) {
        return this.#fail(onError, error);
      }
      return Promise.resolve(committed).then(
        (result) => {
          try {
            this.#committed(result);
          } catch (error) {
            return this.#fail(onError, error);
          }
          return this.#run();
        },
        (error: unknown) => this.#fail(onError, error),
      );
    }
  }

  #committed(result: CommitResult): void {
    this.#done++;
    if (result.cookies.length > 0 && !this.#res.headersSent) applyCommitResult(this.#res, result);
  }

  #fail(onError: OnError, error: unknown): false {
    this.#restore();
    onError(error);
    return false;
  }

  #restore(): void {
    this.holding = false;
    const original = this.#original;
    if (original === undefined) return;
    const res = this.#res;
    res.writeHead = original.writeHead;
    res.write = original.write;
    res.end = original.end;
    res.flushHeaders = original.flushHeaders;
  }
}

/** Adds a commit's Set-Cookie and Cache-Control headers to a response that has not started. */
export function applyCommitResult(res: ServerResponse, result: CommitResult): void {
  if (result.cookies.length === 0) return;
  // appendHeader checks the values and then calls setHeader, which checks them again.
  if (res.hasHeader('set-cookie')) res.appendHeader('Set-Cookie', result.cookies);
  else res.setHeader('Set-Cookie', result.cookies);
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
