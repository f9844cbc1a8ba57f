/** Checks the targets table against a set of results. */
import {
  baselineOf,
  type EndpointResult,
  type GroupRun,
  type MicroRun,
  type Figure,
  pairedFigure,
  pairOf,
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
  /** Measured one server after the other, each alone on the server core. */
  alone?: Figure;
  /** Measured with both servers at once (--paired). When there is one, it decides the status. */
  paired?: Figure;
  status: TargetStatus;
  /** The run was a --quick smoke run: the figure says little. */
  quick: boolean;
}

/** The figure a check's status was decided on. */
export const decisive = (check: TargetCheck): Figure | undefined => check.paired ?? check.alone;

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
  const alone = value === undefined ? undefined : { ratio: value, rounds: roundRatios(subject, base, target.endpoint) };
  const paired = pairedFigure(pairOf(run, target.server, againstName), target.endpoint);
  const measured = { target, againstName, alone, paired, quick: run?.quick ?? false };
  const figure = paired ?? alone;
  if (!figure) return { ...measured, status: 'not measured' };
  // A paired round with failed requests is not kept, so only the alone figure can be suspect.
  if (!paired && (isSuspect(subject?.[target.endpoint]) || isSuspect(base?.[target.endpoint]))) {
    return { ...measured, status: 'invalid' };
  }
  return { ...measured, status: figure.ratio >= target.min ? 'pass' : 'FAIL' };
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
        alone: { ratio: value, rounds: [] },
        status: value >= target.min ? 'pass' : 'FAIL',
        quick: run.quick,
      };
    }
  }
  return { target, againstName: target.against, status: 'not measured', quick: false };
}
