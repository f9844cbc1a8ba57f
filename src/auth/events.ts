/**
 * Authentication events, for audit logs and metrics. Like the core's events they name
 * sessions by store key (a hash of the id), never by the id.
 */
export type AuthEventType =
  | 'login'
  | 'logout'
  /** All of a user's sessions (or all but the current one) were ended. */
  | 'logout-everywhere'
  /** One session was ended from another one (device list). */
  | 'session-revoked'
  /** The user had maxSessionsPerUser sessions; the oldest was ended to make room. */
  | 'session-evicted'
  /** The session's user agent or IP changed since login. */
  | 'binding-mismatch'
  /** An unsafe request came without a valid CSRF token. */
  | 'csrf-rejected';

export interface AuthEvent {
  type: AuthEventType;
  /** Epoch milliseconds. */
  at: number;
  userId?: string;
  /** Store key of the session concerned, where known. */
  key?: string;
  /** binding-mismatch: 'user-agent' | 'ip'; login: 'remember-me' when persistent. */
  reason?: string;
  /** binding-mismatch: what the policy did. */
  action?: 'rejected' | 'flagged';
  /** logout-everywhere: how many sessions ended. */
  count?: number;
  ip?: string;
}

export type AuthEventListener = (event: AuthEvent) => void;
