/** Command-line options of bench/run.ts. */
import { parseArgs } from 'node:util';
import type { LoadGeneratorName } from './load.js';

export interface BenchOptions {
  durationSec: number;
  warmupSec: number;
  connections: number;
  /** Times each group's servers are run in turn; each figure is the median. */
  rounds: number;
  /** Groups to run (HTTP groups, or micro files by name prefix, or "micro"); undefined = all. */
  groups: string[] | undefined;
  quick: boolean;
  /** Rewrite BENCHMARKS.md and the chart from the last saved results, measuring nothing. */
  reportOnly: boolean;
  load: LoadGeneratorName | undefined;
  /** Sessions per server; each request carries the next one's cookie in turn. */
  sessions: number;
  /** After each group's rounds, also measure its pairs (bench/lib/targets.ts) at the same time. */
  paired: boolean;
}

export const usage = `Usage: npm run bench -- [options]
  --group a,b        only these groups (core, cookie, redis, sql, express, fastify, hono, koa);
                     micro files run when their name starts with a listed group, or with "micro"
  --duration N       seconds measured per endpoint (default 10)
  --warmup N         seconds of warm-up per endpoint before measuring (default 2)
  --connections N    concurrent connections (default 50)
  --rounds N         run each group's servers N times in turn and report the median (default 1)
  --paired           after each group's rounds, also run the targets' pairs of servers at the same time,
                     both on the server core, --rounds times; targets are judged on these ratios
  --quick            smoke run: 2 s per endpoint, 1 s warm-up (unless given explicitly)
  --report           rewrite BENCHMARKS.md and the chart from the last run's saved results (after editing bench/NOTES.md)
  --load wrk|autocannon   force a load generator (default: wrk if installed)
  --sessions N       spread the load over N sessions, each request carrying the next one's cookie
                     (default 1: every request the same session). A side run: it saves its results to
                     bench/results/sessions-N.json and leaves BENCHMARKS.md as it is`;

export function parseBenchArgs(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      group: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      rounds: { type: 'string' },
      quick: { type: 'boolean', default: false },
      paired: { type: 'boolean', default: false },
      report: { type: 'boolean', default: false },
      load: { type: 'string' },
      sessions: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const quick = values.quick ?? false;
  if (values.load !== undefined && values.load !== 'wrk' && values.load !== 'autocannon') {
    fail(`--load must be wrk or autocannon (got ${values.load})`);
  }
  return {
    durationSec: positive('--duration', values.duration, quick ? 2 : 10),
    warmupSec: positive('--warmup', values.warmup, quick ? 1 : 2, true),
    connections: positive('--connections', values.connections, 50),
    rounds: positive('--rounds', values.rounds, 1),
    groups: values.group
      ?.split(',')
      .map((g) => g.trim())
      .filter(Boolean),
    quick,
    reportOnly: values.report ?? false,
    load: values.load as LoadGeneratorName | undefined,
    sessions: positive('--sessions', values.sessions, 1),
    paired: values.paired ?? false,
  };
}

/** Whole numbers only: wrk takes durations in whole seconds. */
function positive(flag: string, raw: string | undefined, fallback: number, zeroOk = false): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || (n === 0 && !zeroOk)) {
    fail(`${flag} must be a whole number${zeroOk ? '' : ' above 0'} (got ${raw})`);
  }
  return n;
}

function fail(message: string): never {
  console.error(`${message}\n\n${usage}`);
  process.exit(2);
}
