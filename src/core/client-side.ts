/**
 * Sessions kept entirely in the browser (CookieStore). The manager hands load and
 * commit to this module when its store is client-side: the record travels sealed in
 * the cookie value itself, split over numbered chunk cookies when it is large.
 *
 * Chunks: `name` holds the whole value, or `<count>.<first part>` when there are
 * `count` (2..9) parts; the others follow in `name.1` ... `name.<count-1>`. Sealed
 * values are base64url, which has no '.', so the two forms cannot be confused.
 * Reordered or missing parts fail authentication like any other change.
 */
import { type CookieAttributes, nameAt, serializeCookie, skipSpace } from './cookie.js';
import { SessionError } from './errors.js';
import type { SessionEvent } from './events.js';
import { isPromise, type MaybePromise } from './maybe.js';
import type { ResolvedOptions } from './options.js';
import { clientOf, type RequestContext } from './request.js';
import {
  type CookieInfo,
  freshState,
  hasContent,
  loadedState,
  Session,
  type SessionContext,
  type SessionData,
  type SessionState,
  STATE,
  toRecord,
} from './session.js';
import type { SessionRecord, Store } from './store.js';

/** What a client-side store does with a record: turn it into a cookie value and back. */
export interface ClientSideCodec {
  /**
   * Seals (or signs) a record for the cookie `name`, with the session id (stable across
   * requests, new on regenerate) and `issuedAt` (last creation or regeneration). The value
   * must consist of cookie-value characters (base64url, say): it is not checked again.
   */
  seal(name: string, record: SessionRecord, issuedAt: number, id: string): MaybePromise<string>;
  /** Opens a value; never throws on bad input. `stale`: sealed with an older key. */
  open(name: string, value: string): MaybePromise<OpenedSession | { ok: false; reason: string }>;
  /** True when the session was revoked after it was issued (per-user "not before"). */
  isRevoked?(record: SessionRecord, issuedAt: number): MaybePromise<boolean>;
  /** Browser limit for one Set-Cookie header (name, value, attributes). */
  readonly maxCookieSize: number;
  /** Most cookies one session may span. */
  readonly maxChunks: number;
}

export interface OpenedSession {
  ok: true;
  record: SessionRecord;
  issuedAt: number;
  id: string;
  stale: boolean;
}

/** Stores that keep the session in the cookie expose their codec under this symbol. */
export const CLIENT_SIDE: unique symbol = Symbol.for('sessionkit.clientSide');

export function clientSideCodecOf(store: Store): ClientSideCodec | undefined {
  return (store as { [CLIENT_SIDE]?: ClientSideCodec })[CLIENT_SIDE];
}

const CHUNKED = /^([2-9])\.([A-Za-z0-9_-]+)$/;
const PERSISTED = 'cookie';

export class ClientSideSessions<T extends SessionData = SessionData> {
  readonly #codec: ClientSideCodec;
  readonly #ctx: SessionContext;
  readonly #options: ResolvedOptions;
  readonly #emit: (event: SessionEvent) => void;
  readonly #name: string;

  constructor(
    codec: ClientSideCodec,
    ctx: SessionContext,
    options: ResolvedOptions,
    emit: (event: SessionEvent) => void,
  ) {
    this.#codec = codec;
    this.#ctx = ctx;
    this.#options = options;
    this.#emit = emit;
    this.#name = options.cookie.name;
  }

  /** The session the request's cookies carry; a promise only when opening has to wait (Web Crypto, async revocation). */
  load(request: RequestContext, now: number, secure: boolean): MaybePromise<Session<T>> {
    const found = collectCookies(request.cookie, this.#name, this.#codec.maxChunks);
    if (found.present.size === 0) return this.#fresh(now, secure, request, found.present);
    const value = assemble(found);
    if (typeof value !== 'string') return this.#invalid(now, secure, request, found.present, value.reason);
    if (value.length > this.#codec.maxChunks * this.#codec.maxCookieSize) {
      return this.#invalid(now, secure, request, found.present, 'oversized');
    }
    const opened = this.#codec.open(this.#name, value);
    return isPromise(opened)
      ? Promise.resolve(opened).then((o) => this.#opened(o, request, now, secure, found.present))
      : this.#opened(opened, request, now, secure, found.present);
  }

  #opened(
    opened: OpenedSession | { ok: false; reason: string },
    request: RequestContext,
    now: number,
    secure: boolean,
    present: Set<number>,
  ): MaybePromise<Session<T>> {
    if (!opened.ok) return this.#invalid(now, secure, request, present, opened.reason);
    const { record } = opened;
    if (record.expiresAt <= now || record.deadline <= now) {
      this.#emit({
        type: 'expired',
        at: now,
        userId: record.userId,
        reason: record.deadline <= now ? 'absolute' : 'idle',
      });
      return this.#fresh(now, secure, request, present, true);
    }
    const revoked = this.#codec.isRevoked?.(record, opened.issuedAt) ?? false;
    return isPromise(revoked)
      ? Promise.resolve(revoked).then((r) => this.#checked(r, opened, request, now, secure, present))
      : this.#checked(revoked, opened, request, now, secure, present);
  }

  #checked(
    revoked: boolean,
    opened: OpenedSession,
    request: RequestContext,
    now: number,
    secure: boolean,
    present: Set<number>,
  ): Session<T> {
    const { record } = opened;
    if (revoked) {
      this.#emit({
        type: 'invalid-cookie',
        at: now,
        userId: record.userId,
        reason: 'revoked',
        ip: request.ip ?? undefined,
      });
      return this.#fresh(now, secure, request, present, true);
    }
    const state = loadedState(opened.id, PERSISTED, record, secure);
    state.cookieInfo = { present, issuedAt: opened.issuedAt, reseal: opened.stale };
    return new Session<T>(this.#ctx, state);
  }

  /**
   * Returns the Set-Cookie values for this response (a promise only when sealing has to
   * wait). Throws 'cookie-too-large' before anything is sent.
   */
  commit(session: Session<T>, now: number): MaybePromise<string[]> {
    const state = session[STATE];
    const info = (state.cookieInfo ??= { present: new Set<number>(), issuedAt: now, reseal: false });
    const destroyed = state.destroyKeys.length > 0;
    if (destroyed) {
      state.destroyKeys.length = 0;
      this.#emit({ type: 'destroyed', at: now });
    }
    if (!hasContent(state)) {
      // Nothing worth keeping: an empty session is the same as none, so drop every cookie we sent.
      if (info.present.size === 0) return [];
      const cookies = [...info.present].map((index) => this.#clearing(index, state.secure));
      info.present = new Set();
      state.persistedKey = undefined;
      return cookies;
    }
    const isNew = state.persistedKey === undefined;
    const changed =
      isNew ||
      state.regenerate ||
      state.set !== undefined ||
      state.deleted !== undefined ||
      state.cleared ||
      state.flashChanged ||
      state.metaChanged;
    if (!changed && !info.reseal && !state.touch && !this.#touchDue(state, now)) return [];

    this.#slide(state, now);
    if (isNew || state.regenerate) info.issuedAt = now;
    const value = this.#codec.seal(this.#name, toRecord(state, false), info.issuedAt, state.id);
    return isPromise(value)
      ? Promise.resolve(value).then((v) => this.#sealed(v, state, info, now, isNew))
      : this.#sealed(value, state, info, now, isNew);
  }

  #sealed(value: string, state: SessionState, info: CookieInfo, now: number, isNew: boolean): string[] {
    const cookies = this.#chunk(value, state, now);
    // The browser now holds chunks 0 .. count-1: expire any it held beyond them.
    const count = cookies.length;
    const present = info.present;
    for (const index of present) {
      if (index < count) continue;
      cookies.push(this.#clearing(index, state.secure));
      present.delete(index);
    }
    for (let i = 0; i < count; i++) present.add(i);
    info.reseal = false;
    if (isNew) this.#emit({ type: 'created', at: now, userId: state.userId });
    else if (state.regenerate) this.#emit({ type: 'regenerated', at: now, userId: state.userId });
    state.persistedKey = PERSISTED;
    state.regenerate = false;
    return cookies;
  }

  #attributes(state: SessionState, now: number): CookieAttributes {
    const cookie = this.#options.cookie;
    let maxAge: number | undefined;
    if (state.persistent) {
      const remaining = Math.ceil((state.expiresAt - now) / 1000);
      maxAge = cookie.maxAge > 0 ? Math.min(cookie.maxAge, remaining) : remaining;
    }
    return {
      maxAge,
      path: cookie.path,
      domain: cookie.domain,
      secure: state.secure,
      httpOnly: cookie.httpOnly,
      sameSite: cookie.sameSite,
      partitioned: cookie.partitioned && state.secure,
    };
  }

  /**
   * A session cookie's attributes (no Max-Age) as serialized after its value, for plain and
   * secure requests: the same on every response, so built and checked once.
   */
  readonly #sessionSuffix: [string | undefined, string | undefined] = [undefined, undefined];

  /** Splits a value over as few cookies as fit the size limit. */
  #chunk(value: string, state: SessionState, now: number): string[] {
    const { maxCookieSize, maxChunks } = this.#codec;
    // The value is the sealer's own (cookie-safe, see ClientSideCodec.seal); the name was checked at start-up.
    let whole: string;
    if (state.persistent) whole = serializeCookie(this.#name, value, this.#attributes(state, now));
    else {
      const index = state.secure ? 1 : 0;
      const suffix = (this.#sessionSuffix[index] ??= serializeCookie(
        this.#name,
        '',
        this.#attributes(state, now),
      ).slice(this.#name.length + 1));
      whole = `${this.#name}=${value}${suffix}`;
    }
    if (whole.length <= maxCookieSize) return [whole];
    const attributes = this.#attributes(state, now);
    // Every chunk pays its name and attributes; the head also pays its "<count>." prefix.
    const overhead = serializeCookie(chunkName(this.#name, maxChunks - 1), '', attributes).length + 2;
    const room = maxCookieSize - overhead;
    const count = room > 0 ? Math.ceil(value.length / room) : Number.POSITIVE_INFINITY;
    if (count > maxChunks) {
      throw new SessionError(
        'cookie-too-large',
        `session cookie ${this.#name} needs ${whole.length} bytes, more than ${maxChunks} cookie(s) of ${maxCookieSize} bytes hold; ` +
          'keep less in the session (store large data server-side) or raise maxChunks',
        { details: { size: whole.length, limit: maxCookieSize, maxChunks } },
      );
    }
    const size = Math.ceil(value.length / count);
    const cookies: string[] = [];
    for (let i = 0; i < count; i++) {
      const part = value.slice(i * size, (i + 1) * size);
      cookies.push(serializeCookie(chunkName(this.#name, i), i === 0 ? `${count}.${part}` : part, attributes));
    }
    return cookies;
  }

  #clearing(index: number, secure: boolean): string {
    const cookie = this.#options.cookie;
    return serializeCookie(chunkName(this.#name, index), '', {
      maxAge: 0,
      expires: new Date(0),
      path: cookie.path,
      domain: cookie.domain,
      secure,
      httpOnly: cookie.httpOnly,
      sameSite: cookie.sameSite,
      partitioned: cookie.partitioned && secure,
    });
  }

  #touchDue(state: SessionState, now: number): boolean {
    const { idleTimeout, touchAfter } = this.#options;
    if (idleTimeout === false || state.expiresAt >= state.deadline) return false;
    return now - state.lastSeenAt >= idleTimeout * touchAfter;
  }

  #slide(state: SessionState, now: number): void {
    state.lastSeenAt = now;
    const { idleTimeout } = this.#options;
    state.expiresAt = idleTimeout === false ? state.deadline : Math.min(state.deadline, now + idleTimeout);
  }

  #invalid(now: number, secure: boolean, request: RequestContext, present: Set<number>, reason: string): Session<T> {
    this.#emit({ type: 'invalid-cookie', at: now, reason, ip: request.ip ?? undefined });
    return this.#fresh(now, secure, request, present, true);
  }

  #fresh(now: number, secure: boolean, request: RequestContext, present: Set<number>, hadCookie = false): Session<T> {
    const state = freshState(this.#ctx, now, secure, clientOf(request));
    state.clearCookie = hadCookie;
    state.cookieInfo = { present, issuedAt: now, reseal: false };
    return new Session<T>(this.#ctx, state);
  }
}

function chunkName(name: string, index: number): string {
  return index === 0 ? name : `${name}.${index}`;
}

interface Collected {
  /** Values by chunk index (0 = the head), every occurrence kept. */
  values: Map<number, string[]>;
  present: Set<number>;
}

/** One pass over the Cookie header collecting `name` and `name.1` ... `name.<max-1>`. */
function collectCookies(header: string | null | undefined, name: string, maxChunks: number): Collected {
  const values = new Map<number, string[]>();
  const present = new Set<number>();
  if (!header || header.length > 64 * 1024) return { values, present };
  let start = 0;
  while (start < header.length) {
    let end = header.indexOf(';', start);
    if (end === -1) end = header.length;
    const eq = header.indexOf('=', start);
    if (eq !== -1 && eq < end) {
      // Compare the name in place (no substring per cookie): `name`, or `name.<digit>`.
      const length = nameAt(header, start, eq);
      const from = skipSpace(header, start);
      let index = -1;
      if ((length === name.length || length === name.length + 2) && header.startsWith(name, from)) {
        if (length === name.length) index = 0;
        else if (header.charCodeAt(from + name.length) === 46) {
          const digit = header.charCodeAt(from + name.length + 1) - 48;
          if (digit >= 1 && digit < maxChunks) index = digit;
        }
      }
      if (index >= 0) {
        let value = header.slice(eq + 1, end).trim();
        if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
        const list = values.get(index);
        if (list) list.push(value);
        else values.set(index, [value]);
        present.add(index);
      }
    }
    start = end + 1;
  }
  return { values, present };
}

/** Joins the chunks back into one value, or says why it cannot. */
function assemble(found: Collected): string | { reason: string } {
  const head = found.values.get(0);
  if (!head) return { reason: 'truncated' };
  if (head.length > 1) return { reason: 'duplicate' };
  const first = head[0];
  const match = CHUNKED.exec(first);
  if (!match) return first;
  const count = Number(match[1]);
  let value = match[2];
  for (let i = 1; i < count; i++) {
    const part = found.values.get(i);
    if (!part) return { reason: 'truncated' };
    if (part.length > 1) return { reason: 'duplicate' };
    value += part[0];
  }
  return value;
}

/**
 * Base of stores that keep the whole session in the cookie (CookieStore,
 * GorillaCookieStore). The manager loads and commits their sessions itself, so the
 * key-based Store methods only exist to satisfy the contract, and refuse direct use.
 */
export abstract class ClientSideStore implements Store {
  abstract readonly [CLIENT_SIDE]: unknown;
  protected abstract readonly storeName: string;

  #refuse(): never {
    throw new SessionError(
      'invalid-state',
      `${this.storeName} keeps sessions in the cookie; use it through createSessions()`,
    );
  }
  async get(): Promise<SessionRecord | undefined> {
    this.#refuse();
  }
  async create(): Promise<boolean> {
    this.#refuse();
  }
  async update(): Promise<boolean> {
    this.#refuse();
  }
  async touch(): Promise<boolean> {
    this.#refuse();
  }
  async destroy(): Promise<boolean> {
    this.#refuse();
  }
}
