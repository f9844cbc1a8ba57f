/**
 * sessionkit/web: sessions for Fetch API handlers (Request in, Response out), on
 * Node's global Request/Response, Bun, Deno and Workers. No Node-only imports.
 */
import { isSessionError } from '../core/errors.js';
import type { CommitResult, SessionManager } from '../core/manager.js';
import { isPromise } from '../core/maybe.js';
import type { RequestContext } from '../core/request.js';
import type { Session, SessionData } from '../core/session.js';

export interface WebSessionOptions {
  /**
   * Extra request facts the runtime knows (client IP, https behind a trusted proxy).
   * Default: taken from the Request alone (Cookie, User-Agent, URL).
   */
  context?: (request: Request) => RequestContext;
  /** Builds the reply when the store fails. Default: 503 (store unavailable) or 500. */
  onError?: (error: unknown, request: Request) => Response | Promise<Response>;
}

export type FetchHandler<T extends SessionData> = (
  request: Request,
  session: Session<T>,
) => Response | Promise<Response>;

/** The default error reply: 503 for store trouble, 500 for anything else. */
export function errorResponse(error: unknown): Response {
  const unavailable = isSessionError(error, 'store-unavailable') || isSessionError(error, 'store-timeout');
  return new Response(unavailable ? 'Service unavailable: session store not reachable\n' : 'Internal server error\n', {
    status: unavailable ? 503 : 500,
    headers: unavailable
      ? { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'retry-after': '5' }
      : { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
  });
}

/**
 * Returns a response carrying the commit's headers. Responses with immutable headers
 * (e.g. from fetch()) are copied first.
 */
export function withCommitHeaders(response: Response, result: CommitResult): Response {
  if (result.cookies.length === 0) return response;
  let target = response;
  try {
    applyHeaders(target.headers, result);
  } catch {
    target = new Response(response.body, response);
    applyHeaders(target.headers, result);
  }
  return target;
}

function applyHeaders(headers: Headers, result: CommitResult): void {
  for (const cookie of result.cookies) headers.append('set-cookie', cookie);
  for (const [name, value] of result.headers) if (!headers.has(name)) headers.set(name, value);
}

/** Wraps a Fetch handler: `export default { fetch: withSessions(manager, (request, session) => ...) }`. */
export function withSessions<T extends SessionData>(
  manager: SessionManager<T>,
  handler: FetchHandler<T>,
  options: WebSessionOptions = {},
): (request: Request) => Promise<Response> {
  const onError = options.onError ?? errorResponse;
  const context = options.context;
  return async (request) => {
    let session: Session<T>;
    try {
      const loaded = manager.loadNow(context ? context(request) : request);
      session = isPromise(loaded) ? await loaded : loaded;
    } catch (error) {
      return onError(error, request);
    }
    const response = await handler(request, session);
    try {
      const committed = manager.commitNow(session);
      return withCommitHeaders(response, isPromise(committed) ? await committed : committed);
    } catch (error) {
      return onError(error, request);
    }
  };
}
