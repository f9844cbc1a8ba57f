/**
 * The performance targets from the issues, as ratios measured in the same run. The
 * harness checks each one and prints pass/FAIL in BENCHMARKS.md; a target whose servers
 * or entries were not measured shows "not measured".
 *
 * To add one: a row here. `server` and `against` are bench/servers file names without
 * the `<group>--` prefix and `.ts`; `against: 'baseline'` means the group's bare server.
 * Micro targets compare two entries (by `name`) printed under the same micro `group`.
 */
import type { Endpoint } from './results.js';

export interface HttpTarget {
  kind: 'http';
  issue: number;
  group: string;
  server: string;
  endpoint: Endpoint;
  /** Lowest acceptable value of server req/s ÷ against req/s. */
  min: number;
  against: string;
  note?: string;
}

export interface MicroTarget {
  kind: 'micro';
  issue: number;
  /** The `group` field of the micro-benchmark's JSON lines. */
  group: string;
  name: string;
  against: string;
  min: number;
  note?: string;
}

export type Target = HttpTarget | MicroTarget;

/** Two servers of one group that a --paired run measures at the same time. */
export interface Pair {
  server: string;
  against: string;
}

const both = (t: Omit<HttpTarget, 'kind' | 'endpoint'>, read: number, inc: number): HttpTarget[] => [
  { kind: 'http', ...t, endpoint: 'read', min: read },
  { kind: 'http', ...t, endpoint: 'inc', min: inc },
];
const same = (t: Omit<HttpTarget, 'kind' | 'endpoint' | 'min'>, min: number) => both({ ...t, min }, min, min);

export const targets: Target[] = [
  // Issue 2: core engine + memory store on node:http.
  ...both({ issue: 2, group: 'core', server: 'sessionkit-memory', against: 'baseline', min: 0 }, 0.85, 0.75),

  // Issue 3: cookie store. Seal+open ≥ 10x iron-session on both payload sizes.
  { kind: 'micro', issue: 3, group: 'cookie-seal-small', name: 'sessionkit', against: 'iron-session', min: 10 },
  { kind: 'micro', issue: 3, group: 'cookie-seal-large', name: 'sessionkit', against: 'iron-session', min: 10 },
  ...both({ issue: 3, group: 'cookie', server: 'sessionkit-cookie', against: 'baseline', min: 0 }, 0.8, 0.6),

  // Issue 4: Redis. ≥ 0.9x a hand-written GET/SET server with the same client; through Express ≥ 1.5x
  // express-session + connect-redis, which runs on node-redis: the same client on both sides
  // (sessionkit-express-ioredis is in the table too, for those on ioredis).
  ...same({ issue: 4, group: 'redis', server: 'sessionkit-ioredis', against: 'bare-ioredis' }, 0.9),
  ...same({ issue: 4, group: 'redis', server: 'sessionkit-node-redis', against: 'bare-node-redis' }, 0.9),
  ...same(
    { issue: 4, group: 'redis', server: 'sessionkit-express-node-redis', against: 'express-session-connect-redis' },
    1.5,
  ),

  // Issue 5: SQL stores ≥ 1.5x express-session with the matching store.
  ...same({ issue: 5, group: 'sql', server: 'sessionkit-sqlite', against: 'express-session-sqlite' }, 1.5),
  ...same({ issue: 5, group: 'sql', server: 'sessionkit-postgres', against: 'express-session-pg' }, 1.5),

  // Issue 6: each adapter's overhead over its bare framework is smaller than the native
  // plugin's, i.e. the adapter is faster than the native plugin in the same run.
  ...same(
    { issue: 6, group: 'express', server: 'sessionkit', against: 'express-session', note: 'overhead < native' },
    1,
  ),
  ...same(
    { issue: 6, group: 'fastify', server: 'sessionkit', against: 'fastify-session', note: 'overhead < native' },
    1,
  ),
  ...same({ issue: 6, group: 'hono', server: 'sessionkit', against: 'hono-sessions', note: 'overhead < native' }, 1),
  ...same({ issue: 6, group: 'koa', server: 'sessionkit', against: 'koa-session', note: 'overhead < native' }, 1),
];

/**
 * Pairs a --paired run measures besides the targets' own, to read them by: no threshold.
 * The Express target against the most any middleware (or any code at all) on Express reaches;
 * sessionkit on ioredis against a bare server that also writes a turn's commands together.
 */
const references: (Pair & { group: string })[] = [
  { group: 'redis', server: 'sessionkit-ioredis', against: 'bare-ioredis-auto-pipelining' },
  { group: 'redis', server: 'bare-express-node-redis', against: 'express-session-connect-redis' },
  { group: 'redis', server: 'bare-express-node-redis-fast-strings', against: 'express-session-connect-redis' },
  { group: 'redis', server: 'bare-express-middleware-node-redis', against: 'express-session-connect-redis' },
  { group: 'redis', server: 'sessionkit-express-node-redis', against: 'bare-express-middleware-node-redis' },
];

/** What a --paired run measures in a group: each HTTP target's pair, then the references. */
export function pairsFor(group: string, baseline: string | undefined): Pair[] {
  const pairs: Pair[] = [];
  const add = (server: string, against: string) => {
    if (!pairs.some((p) => p.server === server && p.against === against)) pairs.push({ server, against });
  };
  for (const t of targets) {
    if (t.kind !== 'http' || t.group !== group) continue;
    const against = t.against === 'baseline' ? baseline : t.against;
    if (against) add(t.server, against);
  }
  for (const r of references) if (r.group === group) add(r.server, r.against);
  return pairs;
}
