/**
 * The counts of the `hash-only-*` reference rows: each count kept the way RedisStore keeps a
 * session (a hash with the `c` and `t` time fields and the data field `.count`), through the
 * commands sessionkit sends for the benchmark's requests, with no session library. /read is
 * one HGETALL, /inc an HGETALL, then one HSET of `t` (as loaded: the sliding expiry is not
 * due within a run) and `.count`. `send` sends one raw command with whichever client.
 */
import { type Counts, TTL_MS } from './bare-counts.js';

export function hashCounts(send: (args: string[]) => Promise<unknown>): Counts {
  const times = () => {
    const now = Date.now();
    return `${now} ${now + TTL_MS}`;
  };
  return {
    async create(id) {
      const key = `hash:${id}`;
      const now = times();
      await Promise.all([
        send(['HSET', key, 'c', now, 't', now, '.count', '0']),
        send(['PEXPIREAT', key, String(Date.now() + TTL_MS)]),
      ]);
    },
    async read(id) {
      return stateOf(await send(['HGETALL', `hash:${id}`]))?.count;
    },
    async increment(id) {
      const key = `hash:${id}`;
      const state = stateOf(await send(['HGETALL', key]));
      if (state === undefined) return undefined;
      await send(['HSET', key, 't', state.t, '.count', String(state.count + 1)]);
      return state.count + 1;
    },
  };
}

/** The count and the `t` value of an HGETALL reply, or undefined when the hash is gone. */
function stateOf(reply: unknown): { count: number; t: string } | undefined {
  const flat = reply as string[];
  let count: number | undefined;
  let t: string | undefined;
  for (let i = 0; i + 1 < flat.length; i += 2) {
    if (flat[i] === '.count') count = JSON.parse(flat[i + 1] as string);
    else if (flat[i] === 't') t = flat[i + 1];
  }
  return count === undefined || t === undefined ? undefined : { count, t };
}
