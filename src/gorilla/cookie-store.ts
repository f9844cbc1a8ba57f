/**
 * GorillaCookieStore: sessionkit sessions kept in the very cookie a Gin app
 * (gin-contrib/sessions cookie.NewStore, i.e. gorilla's CookieStore) reads and writes,
 * so both apps share one login during a migration. The session's values are the Go
 * map's string keys; flash lists sit under their keys ("_flash" by default); sessionkit's
 * own times and user id ride in one extra string value, `__sessionkit`, which Go keeps
 * untouched when it saves the session.
 *
 *   createSessions({ store: new GorillaCookieStore({ keys: [{ hashKey, blockKey }] }), cookie: { name: 'mysession' } })
 */
import { CLIENT_SIDE, ClientSideStore, type ClientSideCodec, type OpenedSession } from '../core/client-side.js';
import type { Codec } from '../core/codec.js';
import { MAX_COOKIE_BYTES } from '../core/cookie.js';
import { SessionError } from '../core/errors.js';
import { newSessionId } from '../core/id.js';
import { setOwn } from '../core/own.js';
import type { SessionRecord } from '../core/store.js';
import { decodeGob, encodeGobMap, type GoValue } from './gob.js';
import { type GorillaKeyPair, SecureCookie } from './securecookie.js';

/** The value key holding sessionkit's metadata inside the Go session. */
export const META_KEY = '__sessionkit';

export interface GorillaCookieStoreOptions {
  /** The Go app's securecookie key pairs, newest first (what it passes to cookie.NewStore). */
  keys: readonly GorillaKeyPair[] | GorillaKeyPair;
  /** Go's Options.MaxAge in seconds: values older than this are refused. Default 30 days; 0 disables. */
  maxAge?: number;
  /** Value keys Go keeps flash lists under. Default ['_flash'] (AddFlash without a key). */
  flashKeys?: readonly string[];
  /** Clock in epoch ms; inject one in tests. */
  now?: () => number;
}

/** Values Go's gob (as registered by gorilla) can carry: string, number, boolean, null and lists of them. */
export const goCodec: Codec = {
  name: 'go-gob',
  encode: (value) => JSON.stringify(value),
  decode: (text) => JSON.parse(text),
  validate(value, path) {
    const check = (v: unknown, at: string, depth: number): void => {
      if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
      if (typeof v === 'number' && Number.isFinite(v)) return;
      if (Array.isArray(v) && depth < 8) {
        for (let i = 0; i < v.length; i++) check(v[i], `${at}[${i}]`, depth + 1);
        return;
      }
      throw new SessionError(
        'unserializable-value',
        `session value at ${at} cannot be shared with Go: use strings, numbers, booleans, null or lists of them`,
        { details: { path: at } },
      );
    };
    check(value, path, 0);
  },
};

type Meta = [
  createdAt: number,
  lastSeenAt: number,
  expiresAt: number,
  deadline: number,
  issuedAt: number,
  userId: string | 0,
  persistent: 0 | 1,
  id: string,
  flashKeys: string[],
];

export class GorillaCookieStore extends ClientSideStore {
  protected readonly storeName = 'GorillaCookieStore';
  readonly codec = goCodec;
  readonly secureCookie: SecureCookie;
  readonly [CLIENT_SIDE]: ClientSideCodec;

  constructor(options: GorillaCookieStoreOptions) {
    super();
    if (!options || typeof options !== 'object' || options.keys === undefined) {
      throw new SessionError(
        'invalid-option',
        "GorillaCookieStore: option keys is required (the Go app's { hashKey, blockKey } pairs)",
        {
          details: { option: 'keys' },
        },
      );
    }
    const now = options.now ?? Date.now;
    const maxAge = options.maxAge ?? 86400 * 30;
    // Length is checked by the manager against the whole Set-Cookie (cookie-too-large) instead.
    const secure = new SecureCookie(options.keys, { maxAge, maxLength: 0, now });
    this.secureCookie = secure;
    const flashKeys = new Set(options.flashKeys ?? ['_flash']);

    this[CLIENT_SIDE] = {
      // Go reads exactly one cookie of at most 4096 characters: no chunks.
      maxCookieSize: MAX_COOKIE_BYTES,
      maxChunks: 1,
      seal: (name, record, issuedAt, id) => secure.encode(name, encodeGobMap(toGoValues(record, issuedAt, id))),
      open: async (name, value) => {
        let opened: { plain: Uint8Array; keyIndex: number };
        try {
          opened = await secure.open(name, value);
        } catch (error) {
          const reason = (error as SessionError).details?.reason;
          return {
            ok: false,
            reason: reason === 'invalid' ? 'tampered' : reason === 'expired' ? 'expired' : 'malformed',
          };
        }
        try {
          // Opened with an older pair: the manager re-seals it with the newest on this response.
          return fromGoValues(decodeGob(opened.plain), flashKeys, now(), maxAge, opened.keyIndex > 0);
        } catch {
          return { ok: false, reason: 'malformed' };
        }
      },
    };
  }
}

function toGoValues(record: SessionRecord, issuedAt: number, id: string): Map<GoValue, GoValue> {
  const values = new Map<GoValue, GoValue>();
  for (const [key, value] of Object.entries(record.data)) values.set(key, value as GoValue);
  const flashKeys: string[] = [];
  for (const [key, list] of Object.entries(record.flash ?? {})) {
    if (list.length === 0) continue;
    values.set(key, list as GoValue[]);
    flashKeys.push(key);
  }
  const meta: Meta = [
    record.createdAt,
    record.lastSeenAt,
    record.expiresAt,
    record.deadline,
    issuedAt,
    record.userId ?? 0,
    record.persistent ? 1 : 0,
    id,
    flashKeys,
  ];
  values.set(META_KEY, JSON.stringify(meta));
  return values;
}

function fromGoValues(
  decoded: GoValue,
  goFlashKeys: Set<string>,
  now: number,
  maxAge: number,
  stale: boolean,
): OpenedSession | { ok: false; reason: string } {
  if (!(decoded instanceof Map)) return { ok: false, reason: 'malformed' };
  let meta: Meta | undefined;
  const rawMeta = decoded.get(META_KEY);
  if (typeof rawMeta === 'string') {
    const parsed = JSON.parse(rawMeta) as Meta;
    if (!Array.isArray(parsed) || parsed.length !== 9 || !parsed.slice(0, 5).every(Number.isFinite)) {
      return { ok: false, reason: 'malformed' };
    }
    if (typeof parsed[7] !== 'string' || !Array.isArray(parsed[8])) return { ok: false, reason: 'malformed' };
    meta = parsed;
  }
  const flashKeys = new Set([...goFlashKeys, ...(meta?.[8] ?? [])]);
  const data: Record<string, unknown> = {};
  const flash: Record<string, unknown[]> = {};
  for (const [key, value] of decoded) {
    if (typeof key !== 'string') return { ok: false, reason: 'malformed' };
    if (key === META_KEY) continue;
    if (flashKeys.has(key) && Array.isArray(value)) setOwn(flash, key, value);
    else setOwn(data, key, value);
  }
  // A session Go wrote alone has no sessionkit times: it lives as long as Go's MaxAge allows.
  const until = maxAge > 0 ? now + maxAge * 1000 : now + 86400 * 30 * 1000;
  const [createdAt, lastSeenAt, expiresAt, deadline, issuedAt, userId, persistent, id] = meta ?? [
    now,
    now,
    until,
    until,
    now,
    0,
    0,
    '',
  ];
  const record: SessionRecord = { data, createdAt, lastSeenAt, expiresAt, deadline };
  if (Object.keys(flash).length > 0) record.flash = flash;
  if (userId !== 0) record.userId = userId;
  if (persistent === 1) record.persistent = true;
  return { ok: true, record, issuedAt, id: id || newSessionId(), stale };
}
