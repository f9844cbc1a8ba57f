/** Facts about the machine a run happened on, printed at the top of BENCHMARKS.md. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { pinning } from './pin.js';

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  /** 1-minute load average when the run started: a busy machine gives lower numbers. */
  loadAtStart: number;
  pinning: string;
}

export function describeMachine(): Machine {
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${type()} ${release()}`,
    node: process.version,
    loadAtStart: Math.round(loadavg()[0] * 100) / 100,
    pinning: pinning(),
  };
}

/** The machine's CPU time so far, and the part of it stolen by the hypervisor, in ticks. */
export interface CpuTicks {
  steal: number;
  total: number;
}

/** Reads the first line of /proc/stat; undefined where there is none (not Linux). */
export function cpuTicks(): CpuTicks | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal guest guest_nice: guest time is
    // already counted in user and nice.
    if (fields.length < 8 || fields.some((n) => !Number.isFinite(n))) return undefined;
    const total = fields.slice(0, 8).reduce((sum, n) => sum + n, 0);
    return { steal: fields[7] as number, total };
  } catch {
    return undefined;
  }
}

/** Stolen share of the CPU time between two readings, in percent (rounded to 0.1). */
export function stolenPercent(from: CpuTicks | undefined, to: CpuTicks | undefined): number | undefined {
  if (!from || !to || to.total <= from.total) return undefined;
  return Math.round((1000 * (to.steal - from.steal)) / (to.total - from.total)) / 10;
}

/** Clock ticks per second of /proc's CPU times, asked once, on first use. */
let ticksPerSecond: number | undefined;

/** CPU time (user + system, all threads) a process has used, in seconds; undefined where /proc does not tell. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    // Fields after the command name, which is in brackets and may hold spaces: utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    ticksPerSecond ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;
    return Number.isFinite(ticks) ? ticks / ticksPerSecond : undefined;
  } catch {
    return undefined;
  }
}
