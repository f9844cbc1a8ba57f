/**
 * Re-authentication before sensitive actions (changing a password or e-mail, deleting the
 * account): the session remembers when the user last proved who they are.
 */
import { AuthError } from './errors.js';
import { type AnySession, readMarks, writeMarks } from './marks.js';

/** Epoch ms of the session's last authentication, or undefined when not signed in. */
export function authenticatedAt(session: AnySession): number | undefined {
  return readMarks(session)?.at;
}

/** True when the user authenticated within the last `maxAgeMs`. */
export function isRecentlyAuthenticated(session: AnySession, maxAgeMs: number, now = Date.now()): boolean {
  const at = authenticatedAt(session);
  return at !== undefined && now - at <= maxAgeMs && at <= now;
}

/**
 * Throws AuthError('reauth-required') unless the user authenticated within `maxAgeMs`
 * (and 'not-authenticated' when not signed in). Ask for the password again, then call
 * `markReauthenticated(session)`.
 */
export function requireRecentAuth(session: AnySession, maxAgeMs: number, now = Date.now()): void {
  if (!Number.isFinite(maxAgeMs) || maxAgeMs <= 0)
    throw new TypeError('requireRecentAuth: maxAgeMs must be a positive number');
  if (authenticatedAt(session) === undefined || session.userId === undefined) {
    throw new AuthError('not-authenticated', 'this action needs a signed-in user');
  }
  if (!isRecentlyAuthenticated(session, maxAgeMs, now)) {
    throw new AuthError(
      'reauth-required',
      `this action needs a login within the last ${Math.round(maxAgeMs / 1000)} s`,
    );
  }
}

/** Records a fresh credential check (after asking for the password again). */
export function markReauthenticated(session: AnySession, now = Date.now()): void {
  const marks = readMarks(session);
  if (!marks) throw new AuthError('not-authenticated', 'markReauthenticated: the session is not signed in');
  writeMarks(session, { ...marks, at: now });
}
