/**
 * SessionManager: loads a session from a request (one store read when a cookie is
 * present, none otherwise) and commits it (store writes only when something changed,
 * plus the Set-Cookie headers to send).
 */
import { ClientSideSessions, clientSideCodecOf } from './client-side.js';
import { type Codec, jsonCodec } from './codec.js';
import { serializeCookie, MAX_COOKIE_BYTES } from './cookie.js';
import { SessionError, toStoreError, withTimeout } from './errors.js';
import type { SessionEvent, SessionEventType } from './events.js';
import { getCookieValues } from './cookie.js';
import { isWellFormedId, newSessionId, recentStoreKeyOf, storeKeyOf } from './id.js';
import { sha256 } from './platform.js';
import { resolveOptions, type ResolvedOptions, type SessionOptions } from './options.js';
import { type Forward, forwardOf, renewalDue, retiredRecord } from './renewal.js';
import {
  bearerTokenOf,
  clientOf,
  isLoopbackHost,
  type LoadInput,
  type RequestContext,
  toRequestContext,
} from './request.js';
import {
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
import { isPromise, type MaybePromise, same } from './maybe.js';
import type { Change, SessionInfo, SessionRecord, Store } from './store.js';

export interface CommitResult {
  /** Set-Cookie header values to send (often none). */
  cookies: string[];
  /** Extra headers to send with them (Cache-Control), empty when no cookie or token is issued. */
  headers: [name: string, value: string][];
  /** Bearer transport: the token (the id, signed when keys are set) the client must send from now on. */
  token?: string;
  /** Bearer transport: the session ended or vanished; the client should drop its token. */
  tokenRevoked?: boolean;
}

/** What one commit hands back: cookies, or for bearer sessions a token. */
interface Issued {
  cookies: string[];
  token?: string;
  tokenRevoked?: boolean;
}

const NO_HEADERS: [string, string][] = [];

/** What a load needs to know about its request while it waits for the store. */
interface Loading {
  request: RequestContext;
  now: number;
  secure: boolean;
  transport: 'cookie' | 'bearer';
}

export class SessionManager<T extends SessionData = SessionData> {
  readonly options: ResolvedOptions;
  readonly store: Store;
  readonly #ctx: SessionContext;
  readonly #codec: Codec;
  #timer: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  /** Set when the store keeps sessions in the cookie itself (CookieStore). */
  readonly #clientSide: ClientSideSessions<T> | undefined;

  constructor(options: SessionOptions) {
    this.options = resolveOptions(options);
    this.store = this.options.store;
    this.#codec = this.store.codec ?? jsonCodec;
    this.#ctx = {
      codec: this.#codec,
      now: this.options.now,
      lifetime: this.options.lifetime,
      idleTimeout: this.options.idleTimeout,
      persistentByDefault: this.options.cookie.maxAge > 0,
    };
    const clientCodec = clientSideCodecOf(this.store);
    this.#clientSide =
      clientCodec && new ClientSideSessions<T>(clientCodec, this.#ctx, this.options, (e) => this.#emit(e));
    if (this.#clientSide && this.options.transport !== 'cookie') {
      throw new SessionError(
        'invalid-option',
        "sessionkit: option transport must be 'cookie' with a cookie store (it keeps the session in the cookie)",
        {
          details: { option: 'transport' },
        },
      );
    }
    const { cleanupInterval } = this.options;
    if (cleanupInterval !== false && typeof this.store.prune === 'function') {
      this.#timer = setInterval(() => void this.prune().catch(() => {}), cleanupInterval);
      (this.#timer as { unref?: () => void }).unref?.();
    }
  }

  /** The cookie name sessions travel in. */
  get cookieName(): string {
    return this.options.cookie.name;
  }

  /**
   * Reads the session a request carries, or starts a new one. Malformed, forged,
   * unknown and expired cookies all give a new, empty session (and an event).
   * Throws SessionError('store-unavailable' | 'store-timeout') when the store fails.
   */
  async load(input?: LoadInput): Promise<Session<T>> {
    return this.loadNow(input);
  }

  /**
   * `load()` for adapters: the session itself when nothing had to wait (an in-process
   * store, no Web Crypto), otherwise a promise of it. May throw instead of rejecting.
   */
  loadNow(input?: LoadInput): MaybePromise<Session<T>> {
    const request = toRequestContext(input);
    const now = this.options.now();
    const secure = this.#secureFor(request);
    if (this.#clientSide) return this.#clientSide.load(request, now, secure);
    // Bearer transport: a request with `Authorization: Bearer` is read from it and never from cookies.
    const mode = this.options.transport;
    const bearer = mode === 'cookie' ? undefined : bearerTokenOf(request.authorization);
    const transport = bearer !== undefined || mode === 'bearer' ? 'bearer' : 'cookie';
    const values =
      transport === 'bearer'
        ? bearer === undefined
          ? []
          : [bearer]
        : getCookieValues(request.cookie, this.options.cookie.name);
    if (values.length === 0) return this.#fresh(now, secure, request, false, transport);
    const loading: Loading = { request, now, secure, transport };
    if (!this.options.keyRing) {
      // A returning visitor's id was checked and hashed on an earlier request.
      const known = values.length === 1 ? recentStoreKeyOf(values[0] as string) : undefined;
      if (known !== undefined) return this.#loadKey(loading, values[0] as string, known, false);
      return this.#loadId(loading, values.find(isWellFormedId), false);
    }
    // Signed ids: a forged or unsigned id is refused here, without a store read.
    const verified = this.#verifyIds(values);
    return isPromise(verified)
      ? verified.then((v) => this.#loadId(loading, v?.id, v?.stale ?? false))
      : this.#loadId(loading, verified?.id, verified?.stale ?? false);
  }

  #loadId(loading: Loading, id: string | undefined, stale: boolean): MaybePromise<Session<T>> {
    const { request, now, secure, transport } = loading;
    if (id === undefined) {
      const reason = this.options.keyRing ? 'bad-signature' : 'malformed';
      this.#emit({ type: 'invalid-cookie', at: now, reason, ip: request.ip ?? undefined });
      return this.#fresh(now, secure, request, true, transport);
    }
    const key = storeKeyOf(id);
    if (typeof key !== 'string') return key.then((k) => this.#loadKey(loading, id, k, stale));
    return this.#loadKey(loading, id, key, stale);
  }

  #loadKey(loading: Loading, id: string, key: string, stale: boolean): MaybePromise<Session<T>> {
    return this.#callThen('get', this.#get, (record) => this.#loaded(loading, id, key, stale, record), key);
  }

  /** The store's get, made once: a returning visitor's load makes one closure (its `next`). */
  readonly #get = (key: string): MaybePromise<SessionRecord | undefined> => this.store.get(key);

  /** `hops`: how many retired records (periodic renewal) this load has followed to get here. */
  #loaded(
    loading: Loading,
    id: string,
    key: string,
    stale: boolean,
    record: SessionRecord | undefined,
    hops = 0,
  ): MaybePromise<Session<T>> {
    const { request, now, secure, transport } = loading;
    if (record === undefined) {
      // Stores forget expired records themselves, so "unknown" includes sessions that expired.
      this.#emit({ type: 'invalid-cookie', at: now, key, reason: 'unknown', ip: request.ip ?? undefined });
      // No clearing cookie: this request may have raced a login that just replaced the id,
      // and clearing would delete the browser's new cookie (same name) if it arrives last.
      return this.#fresh(now, secure, request, false, transport);
    }
    // A retired record (periodic renewal) is not a session: its own window decides.
    const forward = forwardOf(record);
    if (forward) return this.#follow(loading, id, key, stale, forward, hops);
    if (record.expiresAt <= now || record.deadline <= now) {
      this.#emit({
        type: 'expired',
        at: now,
        key,
        userId: record.userId,
        reason: record.deadline <= now ? 'absolute' : 'idle',
      });
      // Best effort: the store would forget it anyway, this just frees it sooner.
      this.#forget(key);
      return this.#fresh(now, secure, request, false, transport);
    }
    const state = loadedState(id, key, record, secure, transport);
    if (hops > 0) state.followed = true;
    // Signed with an older key: write the record and re-issue the cookie with the newest.
    else if (stale) state.metaChanged = state.cookieChanged = true;
    const { renewal } = this.options;
    // The new id is drawn at commit, by the one request that wins the renewal.
    if (renewal && hops === 0 && transport === 'cookie' && renewalDue(renewal.every, record, now)) {
      state.renewing = true;
    }
    return new Session<T>(this.#ctx, state);
  }

  /**
   * The id was renewed: within the grace window, load the session it was renewed to (a
   * request the browser sent before the new cookie arrived); after it, the old id is dead.
   */
  #follow(
    loading: Loading,
    id: string,
    key: string,
    stale: boolean,
    forward: Forward,
    hops: number,
  ): MaybePromise<Session<T>> {
    const { request, now, secure, transport } = loading;
    // Two hops cover a renewal that happened while an older one's grace was still running.
    if (forward.until <= now || hops >= 2) {
      this.#emit({ type: 'invalid-cookie', at: now, key, reason: 'renewed', ip: request.ip ?? undefined });
      if (forward.until <= now) this.#forget(key);
      // No clearing cookie: the browser most likely holds the new id under the same name.
      return this.#fresh(now, secure, request, false, transport);
    }
    const to = forward.to;
    return this.#callThen(
      'get',
      () => this.store.get(to),
      (record) => this.#loaded(loading, id, to, stale, record, hops + 1),
    );
  }

  /** Removes a record nobody waits for; a failure only means the store forgets it later. */
  #forget(key: string): void {
    try {
      const done = this.store.destroy(key);
      if (isPromise(done)) Promise.resolve(done).catch(() => {});
    } catch {
      // Best effort.
    }
  }

  #verifyIds(values: string[]): MaybePromise<{ id: string; stale: boolean } | undefined> {
    const ring = this.options.keyRing!;
    const name = this.options.cookie.name;
    for (let i = 0; i < values.length; i++) {
      const result = ring.verifyToken(name, values[i]);
      // Web Crypto answers later: check this value, then the rest, one after another.
      if (isPromise(result))
        return Promise.resolve(result).then((r) => verifiedId(r) ?? this.#verifyIdsLater(values.slice(i + 1)));
      const found = verifiedId(result);
      if (found) return found;
    }
    return undefined;
  }

  async #verifyIdsLater(values: string[]): Promise<{ id: string; stale: boolean } | undefined> {
    for (const value of values) {
      const found = verifiedId(await this.options.keyRing!.verifyToken(this.options.cookie.name, value));
      if (found) return found;
    }
    return undefined;
  }

  /**
   * Writes what the request changed and returns the Set-Cookie headers to send.
   * Call it before the response headers go out (the adapters do).
   */
  async commit(session: Session<T>): Promise<CommitResult> {
    return this.commitNow(session);
  }

  /**
   * `commit()` for adapters: the result itself when nothing had to wait (nothing changed,
   * or an in-process store), otherwise a promise of it. May throw instead of rejecting.
   */
  commitNow(session: Session<T>): MaybePromise<CommitResult> {
    const state = session[STATE];
    if (this.#clientSide) {
      const sent = this.#clientSide.commit(session, this.options.now());
      if (isPromise(sent)) return Promise.resolve(sent).then((cookies) => this.#finish(state, { cookies }));
      return this.#finish(state, { cookies: sent });
    }
    // The rare paths (regenerated, renewed and destroyed sessions) take the general route.
    if (state.destroyKeys.length > 0 || state.regenerate || state.renewing) return this.#commitFully(session);
    if (state.persistedKey === undefined) {
      if (hasContent(state)) return this.#createNow(session, this.options.now());
      if (state.clearCookie) return this.#commitFully(session);
      return this.#finish(state, { cookies: [] });
    }
    const key = state.persistedKey;
    const now = this.options.now();
    if (state.set || state.deleted || state.cleared || state.flashChanged || state.metaChanged) {
      // A write moves the expiry on the same terms as a read: once `touchAfter` has passed.
      const slide = state.touch || state.cookieChanged || this.#touchDue(state, now);
      if (slide) this.#slide(state, now);
      const change: Change = {
        cleared: state.cleared,
        set: state.set ?? EMPTY_MAP,
        deleted: state.deleted ?? EMPTY_SET,
        flash: state.flashChanged,
        meta: state.metaChanged,
        times: slide,
      };
      const record = toRecord(state);
      const reissue = state.cookieChanged || (slide && state.persistent && this.options.idleTimeout !== false);
      return this.#callThen(
        'update',
        () => this.store.update(key, record, change),
        (ok) => this.#written(session, now, key, ok, reissue),
      );
    }
    if (state.touch || this.#touchDue(state, now)) {
      this.#slide(state, now);
      return this.#callThen(
        'touch',
        () => this.store.touch(key, state.expiresAt, state.lastSeenAt),
        (ok) => this.#written(session, now, key, ok, state.persistent),
      );
    }
    return this.#finish(state, { cookies: [] });
  }

  /**
   * A new session's first write: in this same tick when the store and the id's hash answer
   * at once (an in-process store on node:crypto), as every first visit and login needs.
   * A refused create (an id already taken, as good as never) goes on with fresh ids.
   */
  #createNow(session: Session<T>, now: number): MaybePromise<CommitResult> {
    const state = session[STATE];
    const key = storeKeyOf(state.id);
    if (isPromise(key)) return this.#createRecord(state, now).then(() => this.#created(session, now));
    this.#slide(state, now);
    const record = toRecord(state);
    return this.#callThen(
      'create',
      () => this.store.create(key, record),
      (created) => {
        if (!created) return this.#createRecord(state, now, 1).then(() => this.#created(session, now));
        state.persistedKey = key;
        state.regenerate = false;
        return this.#created(session, now);
      },
    );
  }

  /** After a new session's record is written: the event, then its cookie. */
  #created(session: Session<T>, now: number): MaybePromise<CommitResult> {
    const state = session[STATE];
    this.#emit({ type: 'created', at: now, key: state.persistedKey, userId: state.userId });
    const out: Issued = { cookies: [] };
    const issued = this.#issue(state, now, out);
    return issued ? issued.then(() => this.#finish(state, out)) : this.#finish(state, out);
  }

  /** After an update or touch: start over if the record was gone, else re-issue the cookie when asked. */
  #written(session: Session<T>, now: number, key: string, ok: boolean, reissue: boolean): MaybePromise<CommitResult> {
    const state = session[STATE];
    const out: Issued = { cookies: [] };
    if (!ok) this.#revoked(session, now, key, out);
    else if (reissue) {
      const issued = this.#issue(state, now, out);
      if (issued) return issued.then(() => this.#finish(state, out));
    }
    return this.#finish(state, out);
  }

  /** Ends a commit: the session's change tracking starts over, and the result goes out. */
  #finish(state: SessionState, out: Issued): CommitResult {
    resetTracking(state);
    return this.#result(out);
  }

  async #commitFully(session: Session<T>): Promise<CommitResult> {
    const state = session[STATE];
    const now = this.options.now();
    const out: Issued = { cookies: [] };

    while (state.destroyKeys.length > 0) {
      const key = state.destroyKeys.shift() as string;
      await this.#call('destroy', () => this.store.destroy(key));
      this.#emit({ type: 'destroyed', at: now, key });
    }

    if (state.persistedKey === undefined) {
      if (hasContent(state)) {
        await this.#createRecord(state, now);
        return this.#created(session, now);
      }
      if (state.clearCookie) this.#clear(state, out);
      return this.#finish(state, out);
    }
    if (state.renewing) {
      // Not renewed here (another request claimed it, or no grace window): what is left is
      // an ordinary commit or regenerate.
      return (await this.#renew(session, now, out)) ? this.#finish(state, out) : this.commitNow(session);
    }
    if (state.regenerate) {
      const oldKey = state.persistedKey;
      const existed = await this.#call('destroy', () => this.store.destroy(oldKey));
      if (!existed) {
        this.#revoked(session, now, oldKey, out);
      } else {
        await this.#createRecord(state, now);
        this.#emit({ type: 'regenerated', at: now, key: state.persistedKey, userId: state.userId });
        await this.#issue(state, now, out);
      }
      return this.#finish(state, out);
    }
    // Destroyed and replaced by nothing new: what is left is an ordinary update or touch.
    return this.commitNow(session);
  }

  /**
   * A periodic renewal with a grace window: the new record is written first, then the old
   * one is retired (update-only, so a logout that came in between wins: the new record is
   * removed again and nothing is issued). At no moment does the old id lead nowhere.
   */
  async #renew(session: Session<T>, now: number, out: Issued): Promise<boolean> {
    const state = session[STATE];
    const { every, grace } = this.options.renewal!;
    if (grace === 0) {
      // No grace window: an ordinary regenerate, whose destroy of the old record decides a race.
      state.renewing = false;
      state.regenerate = true;
      state.id = newSessionId();
      return false;
    }
    const oldKey = state.persistedKey!;
    const until = now + grace;
    // Requests that arrive together at a period boundary all find the renewal due. A
    // create-only claim lets exactly one renew; the others commit as usual, so the browser
    // never receives two new ids and no second copy of the session is left behind.
    const period = Math.floor((now - state.createdAt) / every);
    const claim = await sha256(`${oldKey}/renewal/${period}`);
    const claimed = await this.#call('create', () =>
      this.store.create(claim, { data: {}, createdAt: now, lastSeenAt: now, expiresAt: until, deadline: until }),
    );
    state.renewing = false;
    if (!claimed) {
      // When the winner has already retired the old record, this request's changes go to
      // the new one (as for any request that follows a retired record).
      const current = await this.#call('get', () => this.store.get(oldKey));
      const forward = current && forwardOf(current);
      if (forward?.to) {
        state.persistedKey = forward.to;
        state.followed = true;
      }
      return false;
    }
    state.id = newSessionId();
    await this.#createRecord(state, now);
    const newKey = state.persistedKey!;
    const { record, change } = retiredRecord(state, { to: newKey, until }, now);
    let retired: boolean;
    try {
      retired = await this.#call('update', () => this.store.update(oldKey, record, change));
    } catch (error) {
      // The old id stays as it was; the copy nobody was given must not linger (or be listed).
      this.#forget(newKey);
      throw error;
    }
    if (!retired) {
      await this.#call('destroy', () => this.store.destroy(newKey));
      this.#revoked(session, now, oldKey, out);
      return true;
    }
    this.#emit({ type: 'regenerated', at: now, key: newKey, userId: state.userId, reason: 'renewal' });
    await this.#issue(state, now, out);
    return true;
  }

  #result(out: Issued): CommitResult {
    const { cookies } = out;
    const result: CommitResult = { cookies, headers: NO_HEADERS };
    if (out.token !== undefined) result.token = out.token;
    if (out.tokenRevoked) result.tokenRevoked = true;
    const { cacheControl } = this.options;
    if ((cookies.length > 0 || out.token !== undefined) && cacheControl !== false)
      result.headers = [['Cache-Control', cacheControl]];
    return result;
  }

  /** Sends the session's id: as a cookie, or for bearer sessions as the commit's token. A promise only when signing waits. */
  #issue(state: SessionState, now: number, out: Issued): Promise<void> | undefined {
    // The id this request knows was renewed: the browser's newer cookie must not be overwritten.
    if (state.followed) return undefined;
    if (state.transport === 'bearer') {
      const token = this.#signedId(state.id);
      if (isPromise(token)) return Promise.resolve(token).then((value) => void (out.token = value));
      out.token = token;
      return undefined;
    }
    const cookie = this.#sessionCookie(state, now);
    if (isPromise(cookie)) return Promise.resolve(cookie).then((value) => void out.cookies.push(value));
    out.cookies.push(cookie);
    return undefined;
  }

  #clear(state: SessionState, out: Issued): void {
    if (state.transport === 'bearer') out.tokenRevoked = true;
    else out.cookies.push(this.#clearingCookie(state));
  }

  #signedId(id: string): string | Promise<string> {
    return this.options.keyRing ? this.options.keyRing.signToken(this.options.cookie.name, id) : id;
  }

  /**
   * For API clients (transport 'bearer' or 'both'): makes the session travel as a bearer
   * token, commits it, and returns the token to hand to the client (in the response body).
   */
  async issueToken(session: Session<T>): Promise<string> {
    if (this.options.transport === 'cookie') {
      throw new SessionError('invalid-state', "issueToken() needs the option transport: 'bearer' or 'both'");
    }
    const state = session[STATE];
    // Reached through a renewed id: the token must be an id of its own, not the retired one.
    if (state.followed) session.regenerate();
    state.transport = 'bearer';
    await this.commit(session);
    if (state.persistedKey === undefined) {
      throw new SessionError('invalid-state', 'an empty session has no token: store something (log the user in) first');
    }
    return this.#signedId(state.id);
  }

  /** Lists a user's live sessions (stores with a per-user index only). */
  async listByUser(userId: string): Promise<SessionInfo[]> {
    if (typeof this.store.listByUser !== 'function') throw unsupported('listByUser');
    return this.#call('listByUser', () => this.store.listByUser!(userId));
  }

  /** Ends all of a user's sessions, optionally all but one (by session or store key). */
  async destroyByUser(userId: string, except?: Session<T> | string): Promise<number> {
    if (typeof this.store.destroyByUser !== 'function') throw unsupported('destroyByUser');
    const keep = typeof except === 'string' ? except : except?.[STATE].persistedKey;
    const count = await this.#call('destroyByUser', () => this.store.destroyByUser!(userId, keep));
    if (count > 0) this.#emit({ type: 'destroyed', at: this.options.now(), userId, reason: 'user' });
    return count;
  }

  /** The store key (hash of the id) of a committed session, for device lists and audit logs. */
  keyOf(session: Session<T>): string | undefined {
    return session[STATE].persistedKey;
  }

  /** Asks the store to remove expired records now. */
  async prune(): Promise<number> {
    if (typeof this.store.prune !== 'function') return 0;
    return this.#call('prune', () => this.store.prune!());
  }

  /** Stops the cleanup timer and closes the store. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.store.close?.();
  }

  #secureFor(request: RequestContext): boolean {
    const { secure } = this.options.cookie;
    if (secure !== 'auto') return secure;
    return request.secure === true || !isLoopbackHost(request.host);
  }

  #fresh(
    now: number,
    secure: boolean,
    request: RequestContext,
    hadCookie: boolean,
    transport: 'cookie' | 'bearer',
  ): Session<T> {
    const client = clientOf(request);
    const state = freshState(this.#ctx, now, secure, client, transport);
    state.clearCookie = hadCookie;
    return new Session<T>(this.#ctx, state);
  }

  #touchDue(state: SessionState, now: number): boolean {
    const { idleTimeout, touchAfter } = this.options;
    if (idleTimeout === false || state.expiresAt >= state.deadline) return false;
    return now - state.lastSeenAt >= idleTimeout * touchAfter;
  }

  #slide(state: SessionState, now: number): void {
    state.lastSeenAt = now;
    const { idleTimeout } = this.options;
    state.expiresAt = idleTimeout === false ? state.deadline : Math.min(state.deadline, now + idleTimeout);
  }

  /** `from`: attempts already made with refused ids (#createNow's first one). */
  async #createRecord(state: SessionState, now: number, from = 0): Promise<void> {
    this.#slide(state, now);
    const record = toRecord(state);
    // 256-bit ids do not collide; if one ever did, create-only refuses and we draw again.
    for (let attempt = from; attempt < 3; attempt++) {
      if (attempt > 0) state.id = newSessionId();
      const key = await storeKeyOf(state.id);
      if (await this.#call('create', () => this.store.create(key, record))) {
        state.persistedKey = key;
        state.regenerate = false;
        return;
      }
    }
    throw new SessionError('store-unavailable', 'session store refused three fresh session ids as already taken', {
      details: { operation: 'create' },
    });
  }

  /**
   * The session vanished under us (logged out, regenerated or revoked elsewhere): write
   * nothing and start over. Bearer clients are told to drop their token; no clearing cookie
   * is sent, because the request that replaced the id (a login) may already have given the
   * browser a new cookie of the same name, which a late clearing cookie would delete.
   */
  #revoked(session: Session<T>, now: number, key: string, out: Issued): void {
    const state = session[STATE];
    this.#emit({ type: 'revoked', at: now, key, userId: state.userId });
    Object.assign(state, freshState(this.#ctx, now, state.secure, state.client, state.transport));
    if (state.transport === 'bearer') out.tokenRevoked = true;
  }

  #sessionCookie(state: SessionState, now: number): string | Promise<string> {
    const ring = this.options.keyRing;
    if (!ring) return this.#buildSessionCookie(state, now, state.id);
    const signed = ring.signToken(this.options.cookie.name, state.id);
    return typeof signed === 'string'
      ? this.#buildSessionCookie(state, now, signed)
      : signed.then((value) => this.#buildSessionCookie(state, now, value));
  }

  #buildSessionCookie(state: SessionState, now: number, value: string): string {
    const cookie = this.options.cookie;
    let maxAge: number | undefined;
    if (state.persistent) {
      const remaining = Math.ceil((state.expiresAt - now) / 1000);
      maxAge = cookie.maxAge > 0 ? Math.min(cookie.maxAge, remaining) : remaining;
    }
    const header = serializeCookie(cookie.name, value, {
      maxAge,
      path: cookie.path,
      domain: cookie.domain,
      secure: state.secure,
      httpOnly: cookie.httpOnly,
      sameSite: cookie.sameSite,
      partitioned: cookie.partitioned && state.secure,
    });
    if (header.length > MAX_COOKIE_BYTES) {
      throw new SessionError(
        'cookie-too-large',
        `Set-Cookie for ${cookie.name} is ${header.length} bytes; browsers keep at most ${MAX_COOKIE_BYTES}`,
        {
          details: { size: header.length, limit: MAX_COOKIE_BYTES },
        },
      );
    }
    return header;
  }

  #clearingCookie(state: SessionState): string {
    const cookie = this.options.cookie;
    return serializeCookie(cookie.name, '', {
      maxAge: 0,
      expires: new Date(0),
      path: cookie.path,
      domain: cookie.domain,
      secure: state.secure,
      httpOnly: cookie.httpOnly,
      sameSite: cookie.sameSite,
      partitioned: cookie.partitioned && state.secure,
    });
  }

  /**
   * Runs one store call: its answer as is when it came at once, otherwise bounded by the
   * store timeout. Either way a failure becomes a SessionError and a 'store-error' event.
   */
  #call<R>(operation: string, run: () => MaybePromise<R>): MaybePromise<R> {
    return this.#callThen(operation, run, same);
  }

  /**
   * `#call` then `next` with its answer: one promise step, not two, when the store waits.
   * `run` gets `arg`, so a hot path can pass a function made once instead of a closure.
   */
  #callThen<R, V, A = undefined>(
    operation: string,
    run: (arg: A) => MaybePromise<R>,
    next: (answer: R) => MaybePromise<V>,
    arg?: A,
  ): MaybePromise<V> {
    let answer: MaybePromise<R>;
    try {
      answer = run(arg as A);
    } catch (error) {
      throw this.#storeFailure(error, operation);
    }
    if (!isPromise(answer)) return next(answer);
    // Only the store's failure is a store failure: what `next` throws passes through as it is.
    return this.#bounded(answer, operation).then(next, this.#failureOf(operation));
  }

  /** Per operation, the one rejection handler that reports a store failure (made once, not per call). */
  readonly #failureHandlers = new Map<string, (error: unknown) => never>();

  #failureOf(operation: string): (error: unknown) => never {
    let handler = this.#failureHandlers.get(operation);
    if (handler === undefined) {
      handler = (error) => {
        throw this.#storeFailure(error, operation);
      };
      this.#failureHandlers.set(operation, handler);
    }
    return handler;
  }

  /** A store call's promise, bounded by the store timeout unless the store bounds its calls itself. */
  #bounded<R>(answer: Promise<R>, operation: string): Promise<R> {
    const promise = Promise.resolve(answer);
    return this.store.boundsLatency ? promise : withTimeout(promise, this.options.storeTimeout, operation);
  }

  #storeFailure(error: unknown, operation: string): SessionError {
    const failure = toStoreError(error, operation);
    this.#emit({ type: 'store-error', at: this.options.now(), error: failure, reason: operation });
    return failure;
  }

  #emit(event: SessionEvent & { type: SessionEventType }): void {
    const listener = this.options.onEvent;
    if (!listener) return;
    try {
      listener(event);
    } catch {
      // A faulty listener must not break a request.
    }
  }
}

const EMPTY_MAP: ReadonlyMap<string, unknown> = new Map();
const EMPTY_SET: ReadonlySet<string> = new Set();

/** The session id a verified token carries, when it is one. */
function verifiedId(
  result: { ok: true; text: string; stale: boolean } | { ok: false },
): { id: string; stale: boolean } | undefined {
  return result.ok && isWellFormedId(result.text) ? { id: result.text, stale: result.stale } : undefined;
}

function unsupported(operation: string): SessionError {
  return new SessionError('invalid-state', `this store does not support ${operation} (it keeps no per-user index)`);
}

function resetTracking(state: SessionState): void {
  state.set = undefined;
  state.deleted = undefined;
  state.cleared = false;
  state.flashChanged = false;
  state.metaChanged = false;
  state.touch = false;
  state.clearCookie = false;
  state.cookieChanged = false;
}

/** Creates a SessionManager; options are validated here, at start-up. */
export function createSessions<T extends SessionData = SessionData>(options: SessionOptions): SessionManager<T> {
  return new SessionManager<T>(options);
}
