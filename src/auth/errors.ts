/** Errors raised by sessionkit/auth, with a stable code to branch on. */
export type AuthErrorCode =
  /** The action needs a fresher login (requireRecentAuth). */
  | 'reauth-required'
  /** The request is not signed in. */
  | 'not-authenticated'
  /** An option given to createAuth() is invalid; the message says what to change. */
  | 'invalid-option';

export class AuthError extends Error {
  override readonly name = 'AuthError';
  readonly code: AuthErrorCode;

  constructor(code: AuthErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export function isAuthError(value: unknown, code?: AuthErrorCode): value is AuthError {
  return value instanceof AuthError && (code === undefined || value.code === code);
}
