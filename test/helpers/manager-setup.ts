/** A SessionManager on a CountingStore with a settable clock, and a one-call request helper. */
import type { SessionEvent } from '../../src/core/events.js';
import { createSessions } from '../../src/core/manager.js';
import type { SessionOptions } from '../../src/core/options.js';
import { CountingStore } from './counting-store.js';
import { parseSetCookie } from './http.js';

export const MIN = 60_000;

export function setup(options: Partial<SessionOptions> = {}) {
  const clock = { now: 1_700_000_000_000 };
  const store = new CountingStore({ now: () => clock.now });
  const events: SessionEvent[] = [];
  const manager = createSessions({
    store,
    now: () => clock.now,
    onEvent: (e) => events.push(e),
    cleanupInterval: false,
    ...options,
  });
  /** One request: load from a cookie header, run fn, commit. Returns the new cookie header state. */
  const request = async (
    cookie: string | undefined,
    fn: (s: Awaited<ReturnType<typeof manager.load>>) => void = () => {},
  ) => {
    const session = await manager.load({ cookie, host: 'app.example' });
    fn(session);
    const result = await manager.commit(session);
    return { session, result, set: result.cookies.map(parseSetCookie) };
  };
  return { clock, store, events, manager, request };
}

export const cookieOf = (set: ReturnType<typeof parseSetCookie>[]) => (set[0] ? `sid=${set[0].value}` : undefined);
