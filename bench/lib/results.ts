/**
 * The shapes a bench run produces, and where they are kept between runs. A run limited
 * with --group merges its groups into bench/results/latest.json, so BENCHMARKS.md keeps
 * the other groups' last results; a full run replaces the file.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Machine } from './machine.js';

export type Endpoint = 'read' | 'inc';
export const endpoints: readonly Endpoint[] = ['read', 'inc'];

export interface EndpointResult {
  /** Requests per second over the measured window. */
  rps: number;
  requests: number;
  /** Responses that were not 2xx/3xx. */
  non2xx: number;
  /** Socket errors and timeouts. */
  errors: number;
  p99Ms?: number;
}

export interface ServerResult {
  /** File name without the group prefix and .ts, e.g. "sessionkit-memory". */
  server: string;
  file: string;
  baseline: boolean;
  /** Why the server could not be measured (fully or partly). */
  failed?: string;
  read?: EndpointResult;
  inc?: EndpointResult;
  /**
   * Req/s per round (in round order), when there were several. Ratios pair each round's
   * figure with the baseline's from the same round, measured minutes apart at most.
   */
  roundRps?: { read?: number; inc?: number }[];
}

export interface GroupRun {
  group: string;
  date: string;
  command: string;
  durationSec: number;
  warmupSec: number;
  connections: number;
  rounds: number;
  quick: boolean;
  loadGenerator: string;
  servers: ServerResult[];
  /**
   * Share of the machine's CPU time the hypervisor gave to other guests while this group
   * ran (steal time in /proc/stat), in percent, in all and round by round. Absent where the
   * kernel does not report it. A few percent make ratios wander; tens of percent make them
   * say little.
   */
  stolen?: { percent: number; rounds: number[] };
  /** With --paired: pairs of servers measured at the same time on the server core. */
  paired?: PairedResult[];
}

/**
 * Two servers measured together (--paired): both on the server core at once, each under
 * its own load, so whatever slows the machine in those seconds slows both.
 */
export interface PairedResult {
  server: string;
  against: string;
  /** Why the pair could not be measured (fully or partly). */
  failed?: string;
  /** Each round, in round order. */
  read?: PairedRound[];
  inc?: PairedRound[];
}

export interface PairedRound {
  /** Req/s of `server` and of `against` over the same seconds. */
  rps: number;
  againstRps: number;
  /**
   * CPU time each process used over those seconds, as a share of one core, where /proc
   * tells. Together near 1 and each near half: both kept the core busy and the scheduler
   * split it evenly, so the ratio of req/s is the inverse ratio of their costs per request.
   */
  cpu?: number;
  againstCpu?: number;
}

/** One line printed by a bench/micro/*.ts file. */
export interface MicroEntry {
  group: string;
  name: string;
  opsPerSec: number;
  note?: string;
}

export interface MicroRun {
  /** File name without .ts, e.g. "cookie-seal". */
  file: string;
  date: string;
  command: string;
  quick: boolean;
  failed?: string;
  entries: MicroEntry[];
}

export interface Results {
  machine: Machine;
  groups: GroupRun[];
  micro: MicroRun[];
}

export function loadResults(path: string): Results | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Results;
  } catch {
    return undefined;
  }
}

/** Replaces the previous run's entries for the same groups and micro files, keeps the rest. */
export function mergeResults(previous: Results | undefined, current: Results): Results {
  if (!previous) return current;
  const groups = new Map(previous.groups.map((g) => [g.group, g]));
  for (const g of current.groups) groups.set(g.group, g);
  const micro = new Map(previous.micro.map((m) => [m.file, m]));
  for (const m of current.micro) micro.set(m.file, m);
  return {
    machine: current.machine,
    groups: [...groups.values()].sort((a, b) => a.group.localeCompare(b.group)),
    micro: [...micro.values()].sort((a, b) => a.file.localeCompare(b.file)),
  };
}

export function saveResults(path: string, results: Results): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
}

/** The group's baseline server result, if it was measured. */
export function baselineOf(run: GroupRun): ServerResult | undefined {
  return run.servers.find((s) => s.baseline);
}

/**
 * a ÷ b for one endpoint, or undefined when either side is missing. With rounds on both
 * sides: the median of the per-round ratios, so a slow spell of the machine that spans one
 * round weighs on both servers of that round alike. Otherwise the ratio of the medians.
 */
export function ratio(
  a: ServerResult | undefined,
  b: ServerResult | undefined,
  endpoint: Endpoint,
): number | undefined {
  const pairs = roundRatios(a, b, endpoint);
  if (pairs.length > 0) return median(pairs);
  const x = a?.[endpoint]?.rps;
  const y = b?.[endpoint]?.rps;
  return x !== undefined && y !== undefined && y > 0 ? x / y : undefined;
}

/** a ÷ b for one endpoint round by round, smallest first; empty without rounds on both sides. */
export function roundRatios(a: ServerResult | undefined, b: ServerResult | undefined, endpoint: Endpoint): number[] {
  const pairs: number[] = [];
  const ra = a?.roundRps;
  const rb = b?.roundRps;
  if (ra && rb && ra.length === rb.length) {
    for (let i = 0; i < ra.length; i++) {
      const x = ra[i]?.[endpoint];
      const y = rb[i]?.[endpoint];
      if (x !== undefined && y !== undefined && y > 0) pairs.push(x / y);
    }
  }
  return pairs.sort((p, q) => p - q);
}

/** The middle of a list sorted smallest first (the mean of the two middle ones for an even length). */
export function median(sorted: readonly number[]): number | undefined {
  if (sorted.length === 0) return undefined;
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** A pair's ratio per round (server ÷ against req/s), smallest first. */
export function pairedRatios(pair: PairedResult | undefined, endpoint: Endpoint): number[] {
  return (pair?.[endpoint] ?? [])
    .filter((r) => r.againstRps > 0)
    .map((r) => r.rps / r.againstRps)
    .sort((p, q) => p - q);
}

/** A ratio and its rounds' ratios, smallest first (empty without rounds). */
export interface Figure {
  ratio: number;
  rounds: number[];
}

/** A pair's median ratio with its rounds, or undefined when it has none for this endpoint. */
export function pairedFigure(pair: PairedResult | undefined, endpoint: Endpoint): Figure | undefined {
  const rounds = pairedRatios(pair, endpoint);
  const middle = median(rounds);
  return middle === undefined ? undefined : { ratio: middle, rounds };
}

/** The run's pair of `server` against `against`, if it was measured. */
export function pairOf(run: GroupRun | undefined, server: string, against: string): PairedResult | undefined {
  return run?.paired?.find((p) => p.server === server && p.against === against);
}

/** Items by their `group` field, in first-seen order. */
export function groupBy<T extends { group: string }>(items: T[]): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) map.set(item.group, [...(map.get(item.group) ?? []), item]);
  return map;
}
