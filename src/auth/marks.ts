/**
 * What auth keeps inside the session's data, under one reserved key so a commit writes a
 * single field: when the user authenticated, and what the session was bound to.
 */
import type { Session } from '../core/session.js';

/** The session key auth uses. Applications should not write it themselves. */
export const AUTH_KEY = '_auth';

export interface AuthMarks {
  /** Epoch ms of the last password (or other credential) check. */
  at: number;
  /** User agent at login, when binding to it. */
  ua?: string;
  /** Client IP at login, when binding to it. */
  ip?: string;
  /** Set once a binding mismatch was flagged (policy 'flag'). */
  flagged?: string;
}

// Sessions of any data shape pass through auth; it only touches its own key.
// biome-ignore lint/suspicious/noExplicitAny: auth works with every session type
export type AnySession = Session<any>;

export function readMarks(session: AnySession): AuthMarks | undefined {
  const marks = session.get(AUTH_KEY) as AuthMarks | undefined;
  return marks && typeof marks === 'object' && typeof marks.at === 'number' ? marks : undefined;
}

export function writeMarks(session: AnySession, marks: AuthMarks): void {
  session.set(AUTH_KEY, marks);
}
