/**
 * Keeps the server and the load generator off each other's core: on a small machine they
 * otherwise fight for CPU and the ratios wander from run to run. Uses taskset when present.
 */
import { availableParallelism } from 'node:os';
import { spawnSync } from 'node:child_process';

const canPin = availableParallelism() >= 2 && !spawnSync('taskset', ['-V']).error;

/** The server runs on core 0, the load generator on core 1 (when taskset and two cores exist). */
export function pinned(role: 'server' | 'load', command: string, args: string[]): [string, string[]] {
  if (!canPin) return [command, args];
  return ['taskset', ['-c', role === 'server' ? '0' : '1', command, ...args]];
}

export const pinning = canPin ? 'server pinned to core 0, load generator to core 1 (taskset)' : 'no CPU pinning';
