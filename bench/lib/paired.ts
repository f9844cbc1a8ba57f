/**
 * --paired: two servers measured at the same time. Both run on the server core, each under
 * a load generator of its own, so each gets about half the core and whatever slows the
 * machine in those seconds (a neighbour on the host, a slower clock) slows both alike. The
 * ratio of their req/s is then the ratio of their costs per request, and it holds still
 * where figures measured one after the other swing from round to round.
 *
 * Every round starts both servers afresh: two starts of one server can differ by several
 * percent (what the JIT compiled, where the heap settled), and a round should sample that
 * as the one-after-the-other rounds do.
 */
import type { ServerFile } from './discover.js';
import { isSuspect } from './evaluate.js';
import type { LoadGenerator } from './load.js';
import { processCpuSeconds } from './machine.js';
import { type Endpoint, endpoints, type PairedResult, type PairedRound } from './results.js';
import { type RunningServer, type StartOptions, startServer } from './server-process.js';

export interface PairOptions {
  generator: LoadGenerator;
  start: StartOptions;
  durationSec: number;
  warmupSec: number;
  connections: number;
  rounds: number;
}

/** Measures `rounds` rounds of both endpoints, each round with both servers started afresh. Never throws. */
export async function measurePair(
  server: ServerFile,
  against: ServerFile,
  options: PairOptions,
): Promise<PairedResult> {
  const result: PairedResult = { server: server.server, against: against.server };
  const names: [string, string] = [server.server, against.server];
  for (let round = 1; round <= options.rounds && !result.failed; round++) {
    const running: RunningServer[] = [];
    let step = `round ${round}: start`;
    try {
      for (const file of [server, against]) running.push(await startServer(file.path, options.start));
      const pair = running as [RunningServer, RunningServer];
      for (const endpoint of options.warmupSec > 0 ? endpoints : []) {
        step = `round ${round}: warm-up /${endpoint}`;
        await together(pair, names, endpoint, options.warmupSec, options);
      }
      for (const endpoint of endpoints) {
        step = `round ${round}: /${endpoint}`;
        (result[endpoint] ??= []).push(await together(pair, names, endpoint, options.durationSec, options));
      }
    } catch (error) {
      result.failed = `${step}: ${(error as Error).message}`.replaceAll('\n', ' ').slice(0, 300);
    } finally {
      await Promise.all(running.map((s) => s.stop()));
    }
  }
  return result;
}

/** Loads both servers over the same seconds; throws when one exits or fails over 1% of its requests. */
async function together(
  pair: [RunningServer, RunningServer],
  names: [string, string],
  endpoint: Endpoint,
  durationSec: number,
  options: PairOptions,
): Promise<PairedRound> {
  const before = pair.map((s) => processCpuSeconds(s.pid));
  const started = performance.now();
  const [mine, theirs] = await Promise.all(
    pair.map((s) =>
      options.generator.measure({
        url: `${s.baseUrl}/${endpoint}`,
        cookies: s.cookies,
        durationSec,
        connections: options.connections,
      }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  for (const s of pair) {
    const exited = s.exited();
    if (exited) throw new Error(exited);
  }
  for (const [i, measured] of [mine, theirs].entries()) {
    if (isSuspect(measured)) throw new Error(`${names[i]} failed over 1% of its requests`);
  }
  const share = (i: 0 | 1) => {
    const start = before[i];
    const end = processCpuSeconds(pair[i].pid);
    return start === undefined || end === undefined ? undefined : Math.round((100 * (end - start)) / seconds) / 100;
  };
  return { rps: mine!.rps, againstRps: theirs!.rps, cpu: share(0), againstCpu: share(1) };
}
