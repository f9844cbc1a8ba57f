/** Checks the targets table against a set of results. */
import {
  baselineOf,
  type EndpointResult,
  type GroupRun,
  type MicroRun,
  type Results,
  ratio,
  roundRatios,
} from './results.js';
import type { Target } from './targets.js';

export type TargetStatus = 'pass' | 'FAIL' | 'not measured' | 'invalid';

export interface TargetCheck {
  target: Target;
  /** What `against` resolved to (the baseline's name for 'baseline'). */
  againstName: string;
  ratio?: number;
  /** Each round's ratio, when the run had rounds. */
  rounds?: number[];
  status: TargetStatus;
  /** The run was a --quick smoke run: the figure says little. */
  quick: boolean;
}

/** More than 1% failed requests means the req/s figure measures errors, not sessions. */
export function isSuspect(result: EndpointResult | undefined): boolean {
  if (!result) return false;
  return result.non2xx + result.errors > Math.max(1, result.requests * 0.01);
}

export function evaluateTargets(targets: Target[], results: Results): TargetCheck[] {
  return targets.map((target) =>
    target.kind === 'http'
      ? checkHttp(
          target,
          results.groups.find((g) => g.group === target.group),
        )
      : checkMicro(target, results.micro),
  );
}

function checkHttp(target: Target & { kind: 'http' }, run: GroupRun | undefined): TargetCheck {
  const base =
    run && (target.against === 'baseline' ? baselineOf(run) : run.servers.find((s) => s.server === target.against));
  const subject = run?.servers.find((s) => s.server === target.server);
  const againstName = target.against === 'baseline' && base ? base.server : target.against;
  const value = ratio(subject, base, target.endpoint);
  const quick = run?.quick ?? false;
  if (value === undefined) return { target, againstName, status: 'not measured', quick };
  const measured = { target, againstName, ratio: value, rounds: roundRatios(subject, base, target.endpoint), quick };
  if (isSuspect(subject?.[target.endpoint]) || isSuspect(base?.[target.endpoint])) {
    return { ...measured, status: 'invalid' };
  }
  return { ...measured, status: value >= target.min ? 'pass' : 'FAIL' };
}

function checkMicro(target: Target & { kind: 'micro' }, runs: MicroRun[]): TargetCheck {
  for (const run of runs) {
    const inGroup = run.entries.filter((e) => e.group === target.group);
    const subject = inGroup.find((e) => e.name === target.name);
    const base = inGroup.find((e) => e.name === target.against);
    if (subject && base && base.opsPerSec > 0) {
      const value = subject.opsPerSec / base.opsPerSec;
      return {
        target,
        againstName: target.against,
        ratio: value,
        status: value >= target.min ? 'pass' : 'FAIL',
        quick: run.quick,
      };
    }
  }
  return { target, againstName: target.against, status: 'not measured', quick: false };
}
