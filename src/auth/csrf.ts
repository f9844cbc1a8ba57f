/**
 * CSRF protection for cookie sessions: a synchronizer token kept in the session, embedded
 * in every form (or sent as a header by scripts) and checked on unsafe methods. SameSite=Lax
 * already stops most cross-site posts; the token also covers same-site attackers
 * (subdomains) and older browsers. Bearer sessions need no token: nothing is sent ambiently.
 */
import { randomBytes, timingSafeEqual, toBase64url } from '../core/platform.js';
import type { AnySession } from './marks.js';

/** The session key holding the token. */
export const CSRF_KEY = '_csrf';
/** The form field name the helpers use. */
export const CSRF_FIELD = '_csrf';
/** The header scripts may send the token in instead. */
export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/** The session's token, created on first use (that makes an anonymous session persist). */
export function csrfToken(session: AnySession): string {
  const current = session.get(CSRF_KEY);
  if (typeof current === 'string' && current.length === 43) return current;
  const token = toBase64url(randomBytes(32));
  session.set(CSRF_KEY, token);
  return token;
}

/** A hidden form field carrying the token, ready to paste into a server-rendered form. */
export function csrfField(session: AnySession): string {
  return `<input type="hidden" name="${CSRF_FIELD}" value="${csrfToken(session)}">`;
}

/** True for methods that must not change state, so need no token. */
export function isSafeMethod(method: string | undefined): boolean {
  return SAFE_METHODS.has((method ?? 'GET').toUpperCase());
}

/**
 * Whether a request may proceed: safe methods always; unsafe ones only with the session's
 * token (compared in constant time), or when the session travels as a bearer token.
 */
export function verifyCsrf(
  session: AnySession,
  method: string | undefined,
  submitted: string | null | undefined,
): boolean {
  if (isSafeMethod(method) || session.transport === 'bearer') return true;
  const expected = session.get(CSRF_KEY);
  if (typeof expected !== 'string' || typeof submitted !== 'string' || submitted.length === 0) return false;
  return timingSafeEqual(expected, submitted);
}

/** Drops the token so the next form gets a new one (done on login and logout). */
export function rotateCsrf(session: AnySession): void {
  session.delete(CSRF_KEY);
}
