/** Facts about the machine a run happened on, printed at the top of BENCHMARKS.md. */
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
