/**
 * Keeps the server and the load generator off each other's core: on a small machine they
 * otherwise fight for CPU and the ratios wander from run to run. Uses taskset when present.
 *
 * The local services the groups talk to (Redis, PostgreSQL, MariaDB, memcached) go on the
 * load generator's core for the run. In production they run on machines of their own; left
 * to float here, they take the measured server's core in proportion to the work a library
 * asks of them, which is the server's cost to the service, not to the application.
 */
import { availableParallelism } from 'node:os';
import { spawnSync } from 'node:child_process';

const canPin = availableParallelism() >= 2 && !spawnSync('taskset', ['-V']).error;

/** The server runs on core 0, the load generator on core 1 (when taskset and two cores exist). */
export function pinned(role: 'server' | 'load', command: string, args: string[]): [string, string[]] {
  if (!canPin) return [command, args];
  return ['taskset', ['-c', role === 'server' ? '0' : '1', command, ...args]];
}

const SERVICES = ['redis-server', 'postgres', 'mariadbd', 'memcached'];
let servicesPinned: string[] = [];

/**
 * Moves the running services' processes (all their threads) to core 1 and returns what
 * puts their affinity back; new PostgreSQL backends inherit it from the postmaster.
 * Services that are not running, or that may not be moved, are left alone.
 */
export function pinServices(): () => void {
  if (!canPin) return () => {};
  const saved: { pid: string; mask: string }[] = [];
  const names = new Set<string>();
  for (const name of SERVICES) {
    const found = spawnSync('pgrep', ['-x', name], { encoding: 'utf8' });
    for (const pid of (found.stdout ?? '').split('\n').filter(Boolean)) {
      const mask = /mask:\s*([0-9a-f]+)/.exec(
        spawnSync('taskset', ['-p', pid], { encoding: 'utf8' }).stdout ?? '',
      )?.[1];
      if (!mask) continue;
      if (spawnSync('taskset', ['-a', '-p', '-c', '1', pid], { stdio: 'ignore' }).status !== 0) continue;
      saved.push({ pid, mask });
      names.add(name);
    }
  }
  servicesPinned = [...names];
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    for (const { pid, mask } of saved) spawnSync('taskset', ['-a', '-p', mask, pid], { stdio: 'ignore' });
  };
}

/** How processes were placed, for the report. */
export function pinning(): string {
  if (!canPin) return 'no CPU pinning';
  const services = servicesPinned.length > 0 ? `, local services (${servicesPinned.join(', ')}) with it` : '';
  return `server pinned to core 0, load generator to core 1${services} (taskset)`;
}
