/**
 * --paired: two servers measured at the same time. Both run on the server core, each under
 * a load generator of its own, so each gets about half the core and whatever slows the
 * machine in those seconds (a neighbour on the host, a slower clock) slows both alike. The
 * ratio of their req/s is then the ratio of their costs per request, and it holds still
 * where figures measured one after the other swing from round to round.
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

/** Starts both servers, warms them up together, measures `rounds` rounds of both endpoints, stops them. Never throws. */
export async function measurePair(
  server: ServerFile,
  against: ServerFile,
  options: PairOptions,
): Promise<PairedResult> {
  const result: PairedResult = { server: server.server, against: against.server };
  const running: RunningServer[] = [];
  let step = 'start';
  try {
    for (const file of [server, against]) running.push(await startServer(file.path, options.start));
    const together = async (endpoint: Endpoint, durationSec: number): Promise<PairedRound> => {
      const cpuBefore = running.map((s) => processCpuSeconds(s.pid));
      const started = performance.now();
      const measured = await Promise.all(
        running.map((s) =>
          options.generator.measure({
            url: `${s.baseUrl}/${endpoint}`,
            cookies: s.cookies,
            durationSec,
            connections: options.connections,
          }),
        ),
      );
      const seconds = (performance.now() - started) / 1000;
      for (const s of running) {
        const exited = s.exited();
        if (exited) throw new Error(exited);
      }
      const bad = measured.findIndex((m) => isSuspect(m));
      if (bad >= 0) throw new Error(`${bad === 0 ? server.server : against.server} failed over 1% of its requests`);
      const [mine, theirs] = measured as [(typeof measured)[0], (typeof measured)[0]];
      return { rps: mine.rps, againstRps: theirs.rps, busy: busyShare(running, cpuBefore, seconds) };
    };
    for (const endpoint of options.warmupSec > 0 ? endpoints : []) {
      step = `warm-up /${endpoint}`;
      await together(endpoint, options.warmupSec);
    }
    for (let round = 0; round < options.rounds; round++) {
      for (const endpoint of endpoints) {
        step = `/${endpoint}`;
        (result[endpoint] ??= []).push(await together(endpoint, options.durationSec));
      }
    }
  } catch (error) {
    result.failed = `${step}: ${(error as Error).message}`.replaceAll('\n', ' ').slice(0, 300);
  } finally {
    await Promise.all(running.map((s) => s.stop()));
  }
  return result;
}

/** Both processes' CPU time over the window as a share of one core, to two decimals. */
function busyShare(running: RunningServer[], before: (number | undefined)[], seconds: number): number | undefined {
  let used = 0;
  for (let i = 0; i < running.length; i++) {
    const start = before[i];
    const end = processCpuSeconds(running[i]!.pid);
    if (start === undefined || end === undefined) return undefined;
    used += end - start;
  }
  return seconds > 0 ? Math.round((100 * used) / seconds) / 100 : undefined;
}
