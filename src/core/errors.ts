/**
 * Every error sessionkit raises is a SessionError with a stable `code`, so a caller can
 * branch on what went wrong (`err.code === 'store-unavailable'` → 503) without parsing text.
 */
export type SessionErrorCode =
  /** An option passed at start-up is invalid; the message says what to change. */
  | 'invalid-option'
  /** A value given to `session.set()` would not survive the codec unchanged. */
  | 'unserializable-value'
  /** The store could not be reached or answered with an error. */
  | 'store-unavailable'
  /** The store did not answer within the configured timeout. */
  | 'store-timeout'
  /** The store's schema (table, index) is missing. */
  | 'store-schema'
  /** The Set-Cookie header(s) would exceed what browsers keep. */
  | 'cookie-too-large'
  /** A key, ciphertext or sealed value could not be used. */
  | 'crypto'
  /** The session was used in a way its state does not allow (e.g. committed twice). */
  | 'invalid-state';

export class SessionError extends Error {
  override readonly name = 'SessionError';
  readonly code: SessionErrorCode;
  /** Extra machine-readable facts (sizes, limits, option names). */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: SessionErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options?.details;
  }
}

export function isSessionError(value: unknown, code?: SessionErrorCode): value is SessionError {
  return value instanceof SessionError && (code === undefined || value.code === code);
}

/** Wraps anything a store threw into a SessionError (kept as is if it already is one). */
export function toStoreError(error: unknown, operation: string): SessionError {
  if (error instanceof SessionError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new SessionError('store-unavailable', `session store failed during ${operation}: ${reason}`, {
    cause: error,
    details: { operation },
  });
}

interface Pending {
  deadline: number;
  fail: () => void;
}

// One sweeper for all pending operations instead of a timer each: a store call on the hot
// path then costs a Set insert and delete, not a timer set and cleared.
const pending = new Set<Pending>();
let sweeper: ReturnType<typeof setInterval> | undefined;
const SWEEP_MS = 25;

function sweep(): void {
  const now = Date.now();
  for (const entry of pending) {
    if (entry.deadline <= now) {
      pending.delete(entry);
      entry.fail();
    }
  }
  if (pending.size === 0 && sweeper !== undefined) {
    clearInterval(sweeper);
    sweeper = undefined;
  }
}

/**
 * Races a store operation against a deadline so a dead backend costs a bounded wait
 * (within SWEEP_MS of `ms`). While an operation is pending the process stays alive:
 * its caller must hear the verdict.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, operation: string): Promise<T> {
  if (!(ms > 0) || ms === Number.POSITIVE_INFINITY) return promise;
  return new Promise<T>((resolve, reject) => {
    const entry: Pending = {
      deadline: Date.now() + ms,
      fail: () =>
        reject(
          new SessionError('store-timeout', `session store did not answer ${operation} within ${ms} ms`, {
            details: { operation, timeoutMs: ms },
          }),
        ),
    };
    pending.add(entry);
    sweeper ??= setInterval(sweep, Math.min(SWEEP_MS, ms));
    promise.then(
      (value) => {
        pending.delete(entry);
        resolve(value);
      },
      (error: unknown) => {
        pending.delete(entry);
        reject(error);
      },
    );
  });
}
