/**
 * Runs one bench/micro/*.ts file in its own process and collects the JSON lines it
 * prints ({"group", "name", "opsPerSec", "note"}); anything else on stdout is ignored.
 */
import { execFile } from 'node:child_process';
import { basename } from 'node:path';
import { promisify } from 'node:util';
import type { MicroEntry, MicroRun } from './results.js';
import { explainStderr } from './stderr.js';

const run = promisify(execFile);

export interface MicroOptions {
  cwd: string;
  env: Record<string, string>;
  quick: boolean;
  command: string;
  timeoutMs: number;
}

export async function runMicro(file: string, options: MicroOptions): Promise<MicroRun> {
  const base: MicroRun = {
    file: basename(file, '.ts'),
    date: new Date().toISOString(),
    command: options.command,
    quick: options.quick,
    entries: [],
  };
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', file], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env, ...(options.quick ? { BENCH_QUICK: '1' } : {}) },
      timeout: options.timeoutMs,
      maxBuffer: 16 * 2 ** 20,
    });
    const entries = parseMicroLines(stdout);
    return entries.length > 0 ? { ...base, entries } : { ...base, failed: 'printed no result lines' };
  } catch (error) {
    const { stderr, killed, message } = error as { stderr?: string; killed?: boolean; message: string };
    const reason = killed ? `timed out after ${options.timeoutMs / 1000} s` : explainStderr(stderr) || message;
    return { ...base, failed: reason.slice(0, 300) };
  }
}

export function parseMicroLines(stdout: string): MicroEntry[] {
  const entries: MicroEntry[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.trim().startsWith('{')) continue;
    try {
      const value = JSON.parse(line) as Partial<MicroEntry>;
      if (typeof value.group === 'string' && typeof value.name === 'string' && Number.isFinite(value.opsPerSec)) {
        entries.push({ group: value.group, name: value.name, opsPerSec: value.opsPerSec!, note: value.note });
      }
    } catch {
      // Not a result line.
    }
  }
  return entries;
}
