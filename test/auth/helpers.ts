/** A manager + auth over a real MemoryStore with an injectable clock, and a one-request helper. */
import type { AuthEvent, AuthOptions } from '../../src/auth/index.js';
import { createAuth } from '../../src/auth/index.js';
import type { SessionEvent } from '../../src/core/events.js';
import { createSessions } from '../../src/core/manager.js';
import type { SessionOptions } from '../../src/core/options.js';
import type { RequestContext } from '../../src/core/request.js';
import type { Session } from '../../src/core/session.js';
import type { Store } from '../../src/core/store.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { parseSetCookie } from '../helpers/http.js';

export function setup(options: { session?: Partial<SessionOptions>; auth?: AuthOptions; store?: Store } = {}) {
  const clock = { now: 1_700_000_000_000 };
  const store = options.store ?? new MemoryStore({ now: () => clock.now });
  const events: SessionEvent[] = [];
  const authEvents: AuthEvent[] = [];
  const manager = createSessions({
    store,
    now: () => clock.now,
    onEvent: (e) => events.push(e),
    cleanupInterval: false,
    ...options.session,
  });
  const auth = createAuth(manager, { ...options.auth, onEvent: (e) => authEvents.push(e) });
  /** One request: load from `cookie` (a cookie value or a full context), run fn, commit. */
  const request = async (input: string | undefined | RequestContext, fn: (s: Session) => unknown = () => {}) => {
    const context: RequestContext =
      typeof input === 'object'
        ? { host: '127.0.0.1', ...input }
        : { cookie: input ? `sid=${input}` : undefined, host: '127.0.0.1' };
    const session = await manager.load(context);
    const value = await fn(session);
    const result = await manager.commit(session);
    const set = result.cookies.map(parseSetCookie);
    const sid = set.find((c) => c.name === 'sid');
    return {
      session,
      result,
      set,
      value,
      cookie: sid && sid.value !== '' ? sid.value : undefined,
      cleared: sid?.value === '',
    };
  };
  return { clock, store, manager, auth, events, authEvents, request };
}
