/**
 * Periodic id renewal (the `renewal` option): when a session's id is due, the request
 * gives it a new one, and the old record becomes a "retired" record for a short grace
 * window. A request still carrying the old id in that window (one the browser sent before
 * the new cookie arrived) is served from the new record, and after it the old id is dead.
 *
 * The retired record is an ordinary record whose data holds one reserved key, so every
 * store keeps it without knowing about renewal. It names the new record by its store key
 * (a hash), never by its id, so the store still holds nothing that works as a cookie.
 */
import type { Change, SessionRecord } from './store.js';

/** The data key of a retired record. Applications cannot set it (session.set refuses). */
export const RETIRED_KEY = '\u0000sessionkit:renewed';

/** What a retired record says: where the session went, and until when the old id may follow. */
export interface Forward {
  to: string;
  until: number;
}

export interface RenewalOptions {
  /** Renew the id on the first request of each period of this many ms, counted from creation. */
  every: number;
  /** How long (ms) the old id still reaches the session after a renewal. Default 30 seconds. */
  grace?: number;
}

export interface ResolvedRenewal {
  every: number;
  grace: number;
}

/** Store keys are SHA-256 in base64url; anything else in a retired record is not followed. */
const STORE_KEY = /^[A-Za-z0-9_-]{43}$/;

/**
 * Whether a request at `now` must renew the id. Periods are counted from the session's
 * creation; the id is renewed when `now` lies in a later period than the last recorded
 * activity. A renewal writes `lastSeenAt = now`, so an id is renewed at most once per
 * period. (If the request that claimed a renewal fails before retiring the old record, the
 * next request that still finds the renewal due tries again once the claim has expired.)
 */
export function renewalDue(every: number, record: SessionRecord, now: number): boolean {
  const { createdAt } = record;
  return Math.floor((now - createdAt) / every) > Math.floor((record.lastSeenAt - createdAt) / every);
}

/** The forward a record carries, when it is a retired record. */
export function forwardOf(record: SessionRecord): Forward | undefined {
  if (!Object.hasOwn(record.data, RETIRED_KEY)) return undefined;
  const value = record.data[RETIRED_KEY] as Partial<Forward> | null;
  // A retired record whose forward is unreadable leads nowhere (the load starts over).
  if (!value || typeof value.to !== 'string' || !STORE_KEY.test(value.to) || typeof value.until !== 'number') {
    return { to: '', until: 0 };
  }
  return { to: value.to, until: value.until };
}

/**
 * The write that retires the old record: its data becomes the forward alone, the user
 * binding and flashes go (so the user's session list shows only the new record), and it
 * expires with the grace window.
 */
export function retiredRecord(
  old: Pick<SessionRecord, 'createdAt' | 'deadline'>,
  forward: Forward,
  now: number,
): { record: SessionRecord; change: Change } {
  const data = { [RETIRED_KEY]: forward };
  return {
    record: {
      data,
      createdAt: old.createdAt,
      lastSeenAt: now,
      expiresAt: Math.min(forward.until, old.deadline),
      deadline: old.deadline,
    },
    change: { cleared: true, set: new Map(Object.entries(data)), deleted: new Set(), flash: true },
  };
}
