/**
 * Load generation. wrk when it is installed (C, so it takes little CPU from the server
 * under test); otherwise autocannon, run in its own process so it never shares an event
 * loop with the harness or the server.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { pinned } from './pin.js';
import type { EndpointResult } from './results.js';

const run = promisify(execFile);

export type LoadGeneratorName = 'wrk' | 'autocannon';

export interface LoadOptions {
  url: string;
  /** One Cookie header value per session; requests take them in turn. */
  cookies: string[];
  durationSec: number;
  connections: number;
}

export interface LoadGenerator {
  name: LoadGeneratorName;
  /** Name and version, for the report. */
  description: string;
  measure(options: LoadOptions): Promise<EndpointResult>;
}

export function pickLoadGenerator(preferred?: LoadGeneratorName): LoadGenerator {
  const wrkVersion = detectWrk();
  if (preferred === 'wrk' && !wrkVersion) throw new Error('--load wrk: wrk is not installed (apt-get install -y wrk)');
  if (wrkVersion && preferred !== 'autocannon')
    return { name: 'wrk', description: wrkVersion, measure: measureWithWrk };
  return { name: 'autocannon', description: `autocannon ${autocannonVersion()}`, measure: measureWithAutocannon };
}

function detectWrk(): string | undefined {
  const probe = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  if (probe.error) return undefined;
  const match = /wrk\s+(\S+)/.exec(`${probe.stdout}${probe.stderr}`);
  return match ? `wrk ${match[1]!.replace(/^debian\//, '').replace(/-.*/, '')}` : 'wrk';
}

function autocannonVersion(): string {
  const probe = spawnSync(process.execPath, ['-p', "require('autocannon/package.json').version"], { encoding: 'utf8' });
  return probe.stdout.trim() || 'unknown';
}

// One wrk thread: on a small machine a second thread would take a core from the server.
async function measureWithWrk(options: LoadOptions): Promise<EndpointResult> {
  const args = ['-t1', `-c${options.connections}`, `-d${options.durationSec}s`, '--latency'];
  let script: string | undefined;
  if (options.cookies.length === 1) args.push('-H', `Cookie: ${options.cookies[0]}`);
  else {
    // Several sessions: a wrk Lua script hands each request the next cookie.
    const dir = mkdtempSync(join(tmpdir(), 'sessionkit-bench-'));
    script = join(dir, 'cookies.lua');
    const list = options.cookies.map((cookie) => JSON.stringify(cookie)).join(',\n');
    writeFileSync(
      script,
      `local cookies = {\n${list}\n}\nlocal i = 0\n` +
        `request = function()\n  i = i % #cookies + 1\n  return wrk.format(nil, nil, { Cookie = cookies[i] })\nend\n`,
    );
    args.push('-s', script);
  }
  args.push(options.url);
  const [command, pinnedArgs] = pinned('load', 'wrk', args);
  try {
    const { stdout } = await run(command, pinnedArgs, { timeout: (options.durationSec + 30) * 1000 });
    return parseWrkOutput(stdout);
  } finally {
    if (script) rmSync(dirname(script), { recursive: true, force: true });
  }
}

/** Reads the figures out of wrk's text report. */
export function parseWrkOutput(text: string): EndpointResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(text);
  if (!rps) throw new Error(`could not read Requests/sec from wrk output: ${text.slice(0, 300)}`);
  const requests = /(\d+) requests in/.exec(text);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(text);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const p99 = /^\s*99%\s+([\d.]+)(us|ms|s)\s*$/m.exec(text);
  const unitMs = { us: 0.001, ms: 1, s: 1000 } as const;
  return {
    rps: Number(rps[1]),
    requests: requests ? Number(requests[1]) : 0,
    non2xx: non2xx ? Number(non2xx[1]) : 0,
    errors: socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
    p99Ms: p99 ? Number(p99[1]) * unitMs[p99[2] as keyof typeof unitMs] : undefined,
  };
}

async function measureWithAutocannon(options: LoadOptions): Promise<EndpointResult> {
  const worker = fileURLToPath(new URL('./autocannon-worker.ts', import.meta.url));
  const { stdout } = await run(process.execPath, ['--import', 'tsx', worker, JSON.stringify(options)], {
    timeout: (options.durationSec + 30) * 1000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as EndpointResult;
}
