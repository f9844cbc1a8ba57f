export { type Codec, jsonCodec } from './core/codec.js';
export {
  type CookieAttributes,
  getCookieValues,
  MAX_COOKIE_BYTES,
  parseCookies,
  type SameSite,
  serializeCookie,
} from './core/cookie.js';
export { isSessionError, SessionError, type SessionErrorCode, withTimeout } from './core/errors.js';
export type { EventListener, SessionEvent, SessionEventType } from './core/events.js';
export { isWellFormedId, newSessionId, storeKeyOf } from './core/id.js';
export { type CommitResult, createSessions, SessionManager } from './core/manager.js';
export { isPromise, type MaybePromise } from './core/maybe.js';
export { type CookieOptions, type Preset, presets, type SessionOptions } from './core/options.js';
export type { RenewalOptions } from './core/renewal.js';
export { clientAddress, type TrustProxy } from './core/proxy.js';
export type { LoadInput, RequestContext } from './core/request.js';
export { Session, type SessionData } from './core/session.js';
export type { Change, ClientInfo, SessionInfo, SessionRecord, Store } from './core/store.js';
export { generateKey, type KeyInput, KeyRing } from './core/keyring.js';
