/**
 * sessionkit/auth: login sessions done right on top of any server-side store. Login
 * with id renewal and remember-me, logout (here or everywhere), a device list with
 * revocation, a per-user cap, re-authentication for sensitive actions, optional
 * user-agent / IP binding, CSRF tokens, and bearer tokens for API clients. See docs/auth.md.
 */
export { Auth, type AuthOptions, createAuth, type DeviceSession, type LoginOptions } from './auth.js';
export type { BindingOptions, BindingResult } from './binding.js';
export { clientOfRequest } from './client.js';
export { CSRF_FIELD, CSRF_HEADER, csrfField, csrfToken, isSafeMethod, rotateCsrf, verifyCsrf } from './csrf.js';
export { AuthError, type AuthErrorCode, isAuthError } from './errors.js';
export type { AuthEvent, AuthEventListener, AuthEventType } from './events.js';
export { AUTH_KEY } from './marks.js';
export { authenticatedAt, isRecentlyAuthenticated, markReauthenticated, requireRecentAuth } from './recent.js';
