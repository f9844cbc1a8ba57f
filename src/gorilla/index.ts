/**
 * sessionkit/gorilla: read and write the cookies of Go apps built on gin-contrib/sessions
 * (gorilla/sessions + gorilla/securecookie), so a Gin app and a sessionkit app can share
 * sessions during a migration. See docs/gorilla-interop.md.
 *
 *   const gorilla = new GorillaCodec([{ hashKey, blockKey }]);
 *   const { values, flashes } = await gorilla.decodeSession('mysession', cookieValue);
 */
import { SessionError } from '../core/errors.js';
import { decodeGob, encodeGobMap, encodeGobString, type GoValue } from './gob.js';
import { encodeGoJson } from './gojson.js';
import { type GorillaKeyPair, SecureCookie, type SecureCookieOptions } from './securecookie.js';

export { GorillaCookieStore, type GorillaCookieStoreOptions, goCodec, META_KEY } from './cookie-store.js';
export { decodeGob, encodeGobMap, encodeGobString, GoFloat64, type GoValue } from './gob.js';
export { encodeGoJson } from './gojson.js';
export {
  decodePaddedBase64url,
  encodePaddedBase64url,
  type GorillaKeyPair,
  SecureCookie,
  type SecureCookieFailure,
  type SecureCookieOptions,
} from './securecookie.js';

export interface GorillaCodecOptions extends SecureCookieOptions {
  /** How values are serialized: 'gob' (securecookie's default, and what CookieStore needs) or 'json'. */
  encoding?: 'gob' | 'json';
  /** Keys of Values that hold flash lists (gorilla's AddFlash default is "_flash"). */
  flashKeys?: readonly string[];
}

/** A gorilla session's contents, split the way sessionkit keeps them. */
export interface GorillaSession {
  values: Record<string, unknown>;
  /** Flash lists by key ("_flash" unless the Go app named them). */
  flashes: Record<string, unknown[]>;
}

const decoder = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

export class GorillaCodec {
  readonly secureCookie: SecureCookie;
  readonly encoding: 'gob' | 'json';
  readonly #flashKeys: Set<string>;

  /** `pairs`: the Go app's securecookie key pairs, newest first (what it passes to NewCookieStore / NewStore). */
  constructor(pairs: readonly GorillaKeyPair[] | GorillaKeyPair, options: GorillaCodecOptions = {}) {
    this.secureCookie = new SecureCookie(pairs, options);
    const encoding = options.encoding ?? 'gob';
    if (encoding !== 'gob' && encoding !== 'json') {
      throw new SessionError('invalid-option', "GorillaCodec: encoding must be 'gob' or 'json'", {
        details: { option: 'encoding' },
      });
    }
    this.encoding = encoding;
    this.#flashKeys = new Set(options.flashKeys ?? ['_flash']);
  }

  /** Serializes any supported value as the Go side would (gob or encoding/json) and encodes it. */
  async encode(name: string, value: GoValue | Record<string, GoValue>): Promise<string> {
    return this.secureCookie.encode(name, this.serialize(value));
  }

  /** Decodes and deserializes a value (Maps for gob maps, objects for JSON). */
  async decode(name: string, cookieValue: string): Promise<unknown> {
    return this.deserialize(await this.secureCookie.decode(name, cookieValue));
  }

  serialize(value: GoValue | Record<string, GoValue>): Uint8Array {
    if (this.encoding === 'json') return encoder.encode(encodeGoJson(value));
    if (typeof value === 'string') return encodeGobString(value);
    if (
      value instanceof Map ||
      (typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array))
    ) {
      return encodeGobMap(value as Map<GoValue, GoValue> | Record<string, GoValue>);
    }
    throw new SessionError('unserializable-value', 'gob: only a string or a map can be encoded here', {
      details: { path: 'value' },
    });
  }

  deserialize(plain: Uint8Array): unknown {
    try {
      if (this.encoding === 'gob') return decodeGob(plain);
      return JSON.parse(decoder.decode(plain));
    } catch (error) {
      if (error instanceof SessionError) throw error;
      throw new SessionError('crypto', 'securecookie: the value could not be deserialized', {
        cause: error,
        details: { reason: 'decode' },
      });
    }
  }

  /**
   * Opens a whole cookie-store session (sessions.NewCookieStore / gin-contrib cookie.NewStore):
   * string keys go to `values`, flash lists to `flashes`. Non-string keys are refused.
   */
  async decodeSession(name: string, cookieValue: string): Promise<GorillaSession> {
    const decoded = await this.decode(name, cookieValue);
    const entries: [unknown, unknown][] =
      decoded instanceof Map
        ? [...decoded]
        : typeof decoded === 'object' && decoded !== null
          ? Object.entries(decoded)
          : [];
    if (!(decoded instanceof Map) && (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded))) {
      throw new SessionError('crypto', 'securecookie: the value is not a session map', {
        details: { reason: 'decode' },
      });
    }
    const session: GorillaSession = { values: {}, flashes: {} };
    for (const [key, value] of entries) {
      if (typeof key !== 'string') {
        throw new SessionError(
          'crypto',
          `gorilla session key ${String(key)} is not a string; sessionkit keys are strings`,
          {
            details: { reason: 'decode' },
          },
        );
      }
      if (this.#flashKeys.has(key) && Array.isArray(value)) session.flashes[key] = value;
      else session.values[key] = value;
    }
    return session;
  }

  /** Seals a session the way the Go cookie store does; flashes go back under their keys. */
  async encodeSession(name: string, session: Partial<GorillaSession>): Promise<string> {
    const values = new Map<GoValue, GoValue>();
    for (const [key, value] of Object.entries(session.values ?? {})) values.set(key, value as GoValue);
    for (const [key, list] of Object.entries(session.flashes ?? {}))
      if (list.length > 0) values.set(key, list as GoValue[]);
    return this.encode(name, values);
  }

  /** The session id inside the cookie of Go's server-side stores (redistore: Redis key "session_" + id). */
  async decodeId(name: string, cookieValue: string): Promise<string> {
    const id = await this.decode(name, cookieValue);
    if (typeof id !== 'string') {
      throw new SessionError('crypto', 'securecookie: the value is not a session id string', {
        details: { reason: 'decode' },
      });
    }
    return id;
  }

  async encodeId(name: string, id: string): Promise<string> {
    return this.encode(name, id);
  }
}
