/**
 * Framework-neutral route guards: decide whether a request may go on, and if not, what to
 * answer (401/403 as JSON, or a redirect). Each adapter turns a decision into its own reply.
 */
import { isSessionError } from './errors.js';
import type { Session, SessionData } from './session.js';

export interface GuardOptions {
  /**
   * Redirect instead of answering 401 (e.g. '/login'). A function receives the requested
   * path so it can add `?next=`. Default: a 401 JSON body.
   */
  redirectTo?: string | ((path: string) => string);
  /** Redirect instead of answering 403. Default: a 403 JSON body. */
  forbiddenRedirectTo?: string | ((path: string) => string);
  /** Who counts as signed in. Default: the session has a userId. */
  isAuthenticated?: (session: Session) => boolean;
  /** A session's roles. Default: the `roles` (string[]) or `role` (string) session key. */
  rolesOf?: (session: Session) => readonly string[];
}

/** What a guard decided: go on, or answer with this status, headers and body. */
export type GuardDecision = { ok: true } | { ok: false; reply: PlainReply };

/** A reply any framework can send. */
export interface PlainReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const PASS: GuardDecision = { ok: true };

function defaultIsAuthenticated(session: Session): boolean {
  return session.userId !== undefined;
}

function defaultRolesOf(session: Session): readonly string[] {
  const roles = session.get('roles');
  if (Array.isArray(roles)) return roles.filter((role): role is string => typeof role === 'string');
  const role = session.get('role');
  return typeof role === 'string' ? [role] : [];
}

function refuse(status: 401 | 403, path: string, target: GuardOptions['redirectTo']): GuardDecision {
  if (target !== undefined) {
    const location = typeof target === 'function' ? target(path) : target;
    return { ok: false, reply: { status: 303, headers: { location, 'cache-control': 'no-store' }, body: '' } };
  }
  const error = status === 401 ? 'unauthenticated' : 'forbidden';
  const message = status === 401 ? 'Sign in to continue.' : 'You do not have permission to do this.';
  return {
    ok: false,
    reply: {
      status,
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
      body: JSON.stringify({ error, message }),
    },
  };
}

/** Checks the options once, at start-up, so a typo fails loudly rather than on the first request. */
export function validateGuardOptions(options: GuardOptions = {}): GuardOptions {
  for (const name of ['redirectTo', 'forbiddenRedirectTo'] as const) {
    const value = options[name];
    if (value !== undefined && typeof value !== 'string' && typeof value !== 'function') {
      throw new TypeError(`sessionkit guard: ${name} must be a path string or a function (path) => string`);
    }
  }
  for (const name of ['isAuthenticated', 'rolesOf'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new TypeError(`sessionkit guard: ${name} must be a function of the session`);
    }
  }
  return options;
}

/** Lets signed-in sessions through; others get 401 (or the redirect). */
export function checkSession<T extends SessionData>(
  session: Session<T> | undefined,
  path: string,
  options: GuardOptions,
): GuardDecision {
  const authenticated = session !== undefined && (options.isAuthenticated ?? defaultIsAuthenticated)(session);
  return authenticated ? PASS : refuse(401, path, options.redirectTo);
}

/** Lets through sessions holding at least one of `roles`; anonymous ones get 401, others 403. */
export function checkRole<T extends SessionData>(
  session: Session<T> | undefined,
  roles: readonly string[],
  path: string,
  options: GuardOptions,
): GuardDecision {
  const signedIn = checkSession(session, path, options);
  if (!signedIn.ok) return signedIn;
  const held = (options.rolesOf ?? defaultRolesOf)(session as Session<T>);
  return roles.some((role) => held.includes(role)) ? PASS : refuse(403, path, options.forbiddenRedirectTo);
}

/** Normalises requireRole's argument: one role or a non-empty list. */
export function toRoleList(roles: string | readonly string[]): readonly string[] {
  const list = typeof roles === 'string' ? [roles] : roles;
  if (!Array.isArray(list) || list.length === 0 || list.some((role) => typeof role !== 'string' || role === '')) {
    throw new TypeError('sessionkit requireRole: pass a role name or a non-empty list of role names');
  }
  return list;
}

/** The reply for an error raised while loading or committing: 503 when the store is down, else 500. */
export function errorReply(error: unknown): PlainReply {
  const unavailable = isSessionError(error, 'store-unavailable') || isSessionError(error, 'store-timeout');
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' };
  if (unavailable) headers['retry-after'] = '5';
  return {
    status: unavailable ? 503 : 500,
    headers,
    body: unavailable ? 'Service unavailable: session store not reachable\n' : 'Internal server error\n',
  };
}
