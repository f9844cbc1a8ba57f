/**
 * What the `<group>--bare-*` baselines share: the `sid` cookie they set and parse by hand,
 * the counts they keep under it (`Counts`), and the in-memory and key-value versions of
 * those counts. No session library: the same work shape done the simplest way.
 */
import { randomBytes } from 'node:crypto';

/** Where a baseline keeps each client's count. Methods may answer at once or by a promise. */
export interface Counts {
  /** Store a count of 0 under a new id. */
  create(id: string): void | Promise<void>;
  /** The count under id, or undefined when there is none. */
  read(id: string): number | undefined | Promise<number | undefined>;
  /** Add one to the count under id and return it, or undefined when there is none. */
  increment(id: string): number | undefined | Promise<number | undefined>;
}

/** A fresh random client id, as long as a session id. */
export function newId(): string {
  return randomBytes(32).toString('base64url');
}

/** The Set-Cookie value carrying a client id. */
export function sidCookie(id: string): string {
  return `sid=${id}; Path=/; HttpOnly; SameSite=Lax`;
}

/** The first non-empty cookie called `wanted` in a Cookie header. */
export function cookieValue(cookie: string | undefined, wanted: string): string | undefined {
  for (const part of (cookie ?? '').split(';')) {
    const [name, value] = part.trim().split('=');
    if (name === wanted && value) return value;
  }
  return undefined;
}

/** The first non-empty `sid` in a Cookie header. */
export function sidOf(cookie: string | undefined): string | undefined {
  return cookieValue(cookie, 'sid');
}

/** Counts in a Map of objects changed in place: the in-process baselines. */
export class MemoryCounts implements Counts {
  private readonly clients = new Map<string, { count: number }>();

  create(id: string): void {
    this.clients.set(id, { count: 0 });
  }

  read(id: string | undefined): number | undefined {
    return id === undefined ? undefined : this.clients.get(id)?.count;
  }

  increment(id: string | undefined): number | undefined {
    const client = id === undefined ? undefined : this.clients.get(id);
    if (!client) return undefined;
    client.count += 1;
    return client.count;
  }
}

/** How long a key-value baseline keeps a count, like a session's default lifetime. */
export const TTL_MS = 30 * 60 * 1000;

/**
 * Counts as JSON `{count}` under `bare:<id>` through a client's get and set (set applies
 * TTL_MS): /init one SET, /read one GET, /inc a GET and a SET (read, modify, save), the
 * round trips a session store makes.
 */
export function keyValueCounts(
  get: (key: string) => Promise<string | null>,
  set: (key: string, value: string) => Promise<unknown>,
): Counts {
  return {
    async create(id) {
      await set(`bare:${id}`, JSON.stringify({ count: 0 }));
    },
    async read(id) {
      const value = await get(`bare:${id}`);
      return value ? (JSON.parse(value) as { count: number }).count : undefined;
    },
    async increment(id) {
      const value = await get(`bare:${id}`);
      if (!value) return undefined;
      const state = JSON.parse(value) as { count: number };
      state.count += 1;
      await set(`bare:${id}`, JSON.stringify(state));
      return state.count;
    },
  };
}
