/**
 * CookieStore: the whole session (data, flashes, times, user id) sealed into the cookie
 * with AES-256-GCM, the cookie name bound into the authenticated data. No server-side
 * state; the expiry travels inside the sealed payload and is enforced on every open, so
 * an old cookie cannot be replayed past its lifetime. See docs/cookie-store.md.
 *
 *   const sessions = createSessions({ store: new CookieStore({ keys: [process.env.SESSION_KEY] }) });
 */
import { CLIENT_SIDE, ClientSideStore, type ClientSideCodec, type OpenedSession } from '../core/client-side.js';
import { type Codec, jsonCodec } from '../core/codec.js';
import { MAX_COOKIE_BYTES } from '../core/cookie.js';
import { SessionError } from '../core/errors.js';
import { type KeyInput, KeyRing, utf8 } from '../core/keyring.js';
import { isPromise, type MaybePromise } from '../core/maybe.js';
import type { SessionRecord } from '../core/store.js';

export { generateKey, type KeyInput, KeyRing } from '../core/keyring.js';

export interface CookieStoreOptions {
  /**
   * Keys, newest first: 32 random bytes as base64url (`npx sessionkit keygen`), or
   * passphrases of at least 32 bytes. The first seals; all open. A KeyRing may be shared.
   */
  keys: readonly KeyInput[] | KeyInput | KeyRing;
  /**
   * 'sealed' (default): encrypted and authenticated. 'signed': authenticated only, the
   * data stays readable (base64url JSON) by anyone holding the cookie.
   */
  mode?: 'sealed' | 'signed';
  /** Longest Set-Cookie header (name, value, attributes) per cookie. Default 4096. */
  maxCookieSize?: number;
  /** Most cookies one session may span (`name`, `name.1`, ...). Default 4, at most 9. */
  maxChunks?: number;
  /**
   * Revocation for sessions the server does not hold: return the time (epoch ms) before
   * which this user's sessions are no longer valid (password change, "log out everywhere").
   * Sessions issued earlier (created or regenerated) open as invalid. May be async.
   */
  notBefore?: (userId: string) => MaybePromise<number | undefined>;
  /** Codec for values; JSON by default. Must encode to a string. */
  codec?: Codec;
  /** Crypto implementation: 'auto' (node:crypto when present), 'node' or 'web'. */
  engine?: 'auto' | 'node' | 'web';
  /**
   * How many recently opened cookie values (up to 2 KB each) to remember, so a browser
   * repeating the same cookie skips the decryption. A value is remembered from the second
   * time it arrives. Expiry and revocation are still checked on every request. Default
   * 1000; 0 turns it off.
   */
  openCache?: number;
}

function invalid(option: string, message: string): never {
  throw new SessionError('invalid-option', `CookieStore: option ${option} ${message}`, { details: { option } });
}

/**
 * The payload inside the seal, a JSON array (times in ms; later ones relative to `createdAt`):
 * [createdAt, lastSeenAt, expiresAt, deadline, issuedAt, data, flash | 0, userId | 0, persistent 0|1, id]
 */
type Payload = [
  number,
  number,
  number,
  number,
  number,
  Record<string, unknown>,
  Record<string, unknown[]> | 0,
  string | 0,
  0 | 1,
  string,
];

export class CookieStore extends ClientSideStore {
  protected readonly storeName = 'CookieStore';
  readonly codec: Codec;
  readonly keyRing: KeyRing;
  readonly mode: 'sealed' | 'signed';
  readonly [CLIENT_SIDE]: ClientSideCodec;

  constructor(options: CookieStoreOptions) {
    super();
    if (!options || typeof options !== 'object') invalid('(all)', 'must be an object with at least { keys }');
    if (options.keys === undefined) {
      invalid(
        'keys',
        'is required: generate one with `npx sessionkit keygen` and pass keys: [process.env.SESSION_KEY]',
      );
    }
    this.keyRing =
      options.keys instanceof KeyRing ? options.keys : new KeyRing(options.keys, { engine: options.engine });
    const mode = options.mode ?? 'sealed';
    if (mode !== 'sealed' && mode !== 'signed') invalid('mode', `must be 'sealed' or 'signed' (got ${String(mode)})`);
    this.mode = mode;
    const maxCookieSize = options.maxCookieSize ?? MAX_COOKIE_BYTES;
    if (!Number.isInteger(maxCookieSize) || maxCookieSize < 256 || maxCookieSize > MAX_COOKIE_BYTES) {
      invalid('maxCookieSize', `must be an integer from 256 to ${MAX_COOKIE_BYTES} (got ${String(maxCookieSize)})`);
    }
    const maxChunks = options.maxChunks ?? 4;
    if (!Number.isInteger(maxChunks) || maxChunks < 1 || maxChunks > 9) {
      invalid('maxChunks', `must be an integer from 1 to 9 (got ${String(maxChunks)})`);
    }
    if (options.notBefore !== undefined && typeof options.notBefore !== 'function') {
      invalid('notBefore', 'must be a function (userId) => epoch ms | undefined');
    }
    this.codec = options.codec ?? jsonCodec;
    const ring = this.keyRing;
    const codec = this.codec;
    const signed = mode === 'signed';
    const notBefore = options.notBefore;

    const cache = new OpenedCache(options.openCache ?? 1000);
    const decode = (
      name: string,
      value: string,
      opened: { ok: true; plaintext: Uint8Array; stale: boolean },
    ): OpenedSession | { ok: false; reason: string } => {
      const text = utf8(opened.plaintext);
      const payload = text === undefined ? undefined : parsePayload(text, codec);
      if (!payload) return MALFORMED;
      cache.offer(name, value, () => knownOf(payload.record, payload.issuedAt, payload.id, codec), opened.stale);
      return { ok: true, ...payload, stale: opened.stale };
    };
    this[CLIENT_SIDE] = {
      maxCookieSize,
      maxChunks,
      seal(name, record, issuedAt, id) {
        // Not cached here: most sealed values are sent back once and replaced (every request
        // changes the session), and remembering each would cost more than decrypting it.
        const text = payloadText(knownOf(record, issuedAt, id, codec), codec);
        return signed ? ring.sign(name, text) : ring.seal(name, text);
      },
      open(name, value) {
        const hit = cache.get(name, value);
        if (hit) {
          // The exact string was authenticated for this name before: only the data
          // is decoded again (records are mutated by the session, so they are never shared).
          const { known } = hit;
          return { ok: true, record: recordOf(known, codec), issuedAt: known.issuedAt, id: known.id, stale: hit.stale };
        }
        const result = signed ? ring.verify(name, value) : ring.open(name, value);
        if (isPromise(result)) return Promise.resolve(result).then((r) => (r.ok ? decode(name, value, r) : r));
        return result.ok ? decode(name, value, result) : result;
      },
      isRevoked: notBefore
        ? (record, issuedAt) => {
            if (record.userId === undefined) return false;
            const limit = notBefore(record.userId);
            const revoked = (value: number | undefined) => typeof value === 'number' && issuedAt < value;
            return isPromise(limit) ? Promise.resolve(limit).then(revoked) : revoked(limit);
          }
        : undefined,
    };
  }
}

const MALFORMED = { ok: false, reason: 'malformed' } as const;
const CACHEABLE_LENGTH = 2048;

/**
 * A payload this store sealed or opened, kept so the next request carrying its cookie skips
 * the decryption and most of the parsing. Data and flash stay encoded (JSON text with the
 * default codec): each hit decodes a private copy.
 */
interface Known {
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  deadline: number;
  issuedAt: number;
  id: string;
  userId: string | undefined;
  persistent: boolean;
  data: string;
  flash: string | undefined;
}

interface CachedOpen {
  /** The whole cookie value (the map is keyed by its tail). */
  value: string;
  /** The cookie name the value was sealed for (bound into its authenticated data). */
  name: string;
  known: Known;
  stale: boolean;
  /** The map key: the value's last TAIL characters. */
  tail: string;
  /** Used since the clock hand last passed it: spared once. */
  used: boolean;
}

/**
 * Every sealed or signed value ends in its authentication tag, which is as good as random:
 * the map is keyed by the value's last characters (cheap to hash) and a hit is confirmed by
 * comparing the whole value.
 */
const TAIL = 24;
/** How many used entries one insertion may pass over before it evicts regardless. */
const SPARE = 4;

/** Characters of a value's tail that make its fingerprint: 7 × 7 bits, an exact double. */
const PRINT = 7;

/**
 * Authenticated cookie values → what they hold, bounded, evicting with a clock: a fixed ring
 * of slots swept by a hand, which spares an entry used since it last came round. An insertion
 * costs one map delete and one set, whatever the size; no reordering on a hit.
 *
 * Admission: a value earns a slot the second time it is offered. A browser changing its
 * session on every request sends each value once; caching those would only churn the
 * ring. The first sightings are fingerprints in a small direct-mapped table that allocates
 * nothing; a fingerprint collision only admits a value early.
 */
class OpenedCache {
  readonly #entries = new Map<string, CachedOpen>();
  readonly #slots: (CachedOpen | undefined)[];
  #hand = 0;
  readonly #seen: Float64Array;

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 0)
      invalid('openCache', `must be a whole number of entries, 0 to disable (got ${String(max)})`);
    this.#slots = new Array(max).fill(undefined);
    this.#seen = new Float64Array(max === 0 ? 0 : 2 ** Math.ceil(Math.log2(Math.max(64, max * 2))));
  }

  /** Remembers an opened value if it was offered before; `known` is only built then. */
  offer(name: string, value: string, known: () => Known, stale: boolean): void {
    if (this.#slots.length === 0 || value.length > CACHEABLE_LENGTH || value.length < TAIL) return;
    let print = 0;
    for (let i = value.length - PRINT; i < value.length; i++) print = print * 128 + (value.charCodeAt(i) & 127);
    const seen = this.#seen;
    const slot = print % seen.length;
    if (seen[slot] !== print) {
      seen[slot] = print;
      return;
    }
    this.#set(name, value, known(), stale);
  }

  get(name: string, value: string): CachedOpen | undefined {
    if (this.#slots.length === 0 || value.length > CACHEABLE_LENGTH || value.length < TAIL) return undefined;
    const entry = this.#entries.get(value.slice(-TAIL));
    if (entry === undefined || entry.value !== value || entry.name !== name) return undefined;
    entry.used = true;
    return entry;
  }

  #set(name: string, value: string, known: Known, stale: boolean): void {
    const tail = value.slice(-TAIL);
    const same = this.#entries.get(tail);
    if (same !== undefined) {
      // The same value again (or, as good as never, another with the same tail): refresh in place.
      same.value = value;
      same.name = name;
      same.known = known;
      same.stale = stale;
      return;
    }
    const slots = this.#slots;
    let hand = this.#hand;
    for (let spared = 0; spared < SPARE; spared++) {
      const entry = slots[hand];
      if (entry === undefined || !entry.used) break;
      entry.used = false;
      hand = hand + 1 === slots.length ? 0 : hand + 1;
    }
    const evicted = slots[hand];
    if (evicted !== undefined) this.#entries.delete(evicted.tail);
    const entry: CachedOpen = { value, name, known, stale, tail, used: false };
    slots[hand] = entry;
    this.#entries.set(tail, entry);
    this.#hand = hand + 1 === slots.length ? 0 : hand + 1;
  }
}

function knownOf(record: SessionRecord, issuedAt: number, id: string, codec: Codec): Known {
  const json = codec === jsonCodec;
  return {
    createdAt: record.createdAt,
    lastSeenAt: record.lastSeenAt,
    expiresAt: record.expiresAt,
    deadline: record.deadline,
    issuedAt,
    id,
    userId: record.userId,
    persistent: record.persistent === true,
    data: json ? JSON.stringify(record.data) : codec.encode(record.data),
    flash: record.flash ? (json ? JSON.stringify(record.flash) : codec.encode(record.flash)) : undefined,
  };
}

/** A fresh record from a cached payload: data and flash decoded anew, so callers may change them. */
function recordOf(known: Known, codec: Codec): SessionRecord {
  const decode = codec === jsonCodec ? JSON.parse : (text: string) => codec.decode(text);
  const record: SessionRecord = {
    data: decode(known.data) as Record<string, unknown>,
    createdAt: known.createdAt,
    lastSeenAt: known.lastSeenAt,
    expiresAt: known.expiresAt,
    deadline: known.deadline,
  };
  if (known.flash !== undefined) record.flash = decode(known.flash) as Record<string, unknown[]>;
  if (known.userId !== undefined) record.userId = known.userId;
  if (known.persistent) record.persistent = true;
  return record;
}

/** The JSON array inside the seal (see Payload); times after the first are relative to it. */
function payloadText(known: Known, codec: Codec): string {
  const c = known.createdAt;
  const json = codec === jsonCodec;
  const data = json ? known.data : JSON.stringify(known.data);
  const flash = known.flash === undefined ? '0' : json ? known.flash : JSON.stringify(known.flash);
  const user = known.userId === undefined ? '0' : JSON.stringify(known.userId);
  return `[${c},${known.lastSeenAt - c},${known.expiresAt - c},${known.deadline - c},${known.issuedAt - c},${data},${flash},${user},${known.persistent ? 1 : 0},${JSON.stringify(known.id)}]`;
}

function parsePayload(text: string, codec: Codec): { record: SessionRecord; issuedAt: number; id: string } | undefined {
  let payload: Payload;
  try {
    payload = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(payload) || payload.length !== 10) return undefined;
  const [c, l, e, x, i, rawData, rawFlash, user, persistent, id] = payload;
  if (typeof id !== 'string' || id.length === 0) return undefined;
  for (const n of [c, l, e, x, i]) if (typeof n !== 'number' || !Number.isFinite(n)) return undefined;
  try {
    const data = codec === jsonCodec ? rawData : codec.decode(rawData as unknown as string);
    const flash =
      rawFlash === 0 ? undefined : codec === jsonCodec ? rawFlash : codec.decode(rawFlash as unknown as string);
    if (!isPlainObject(data) || (flash !== undefined && !isPlainObject(flash))) return undefined;
    if (user !== 0 && (typeof user !== 'string' || user === '')) return undefined;
    const record: SessionRecord = {
      data: data as Record<string, unknown>,
      createdAt: c,
      lastSeenAt: c + l,
      expiresAt: c + e,
      deadline: c + x,
    };
    if (flash) record.flash = flash as Record<string, unknown[]>;
    if (user !== 0) record.userId = user;
    if (persistent === 1) record.persistent = true;
    return { record, issuedAt: c + i, id };
  } catch {
    return undefined;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
