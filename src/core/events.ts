/**
 * Lifecycle events, for metrics and audit logs. Events name sessions by their store
 * key (a hash of the id), never by the id itself, so a log cannot be replayed as a cookie.
 */
import type { SessionError } from './errors.js';

export type SessionEventType =
  | 'created'
  | 'regenerated'
  | 'destroyed'
  | 'expired'
  /** The request carried a session cookie that was malformed, forged or unknown. */
  | 'invalid-cookie'
  /** A commit found its session gone (logged out or revoked concurrently); nothing was written. */
  | 'revoked'
  | 'store-error';

export interface SessionEvent {
  type: SessionEventType;
  /** Epoch milliseconds. */
  at: number;
  /** The store key (hash of the session id) where one is known. */
  key?: string;
  userId?: string;
  /**
   * Why, for invalid-cookie (`malformed`, `unknown`, `duplicate`, `renewed` for an id whose
   * grace window after a periodic renewal has ended, ...), expired (`idle`, `absolute`) and
   * regenerated (`renewal` when the `renewal` option renewed the id).
   */
  reason?: string;
  /** The client address, when the adapter supplied it (for counting invalid ids per client). */
  ip?: string;
  error?: SessionError;
}

export type EventListener = (event: SessionEvent) => void;
