/**
 * Runs one bench server file as a child process: picks a free port, waits for the
 * `ready` line, obtains session cookies from GET /init, and stops it by PID.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { pinned } from './pin.js';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { explainStderr } from './stderr.js';

export interface RunningServer {
  pid: number;
  baseUrl: string;
  /** Cookie header values (name=value; ...), one per session, each from an /init response. */
  cookies: string[];
  /** Why the process has ended, if it has; check after each measurement. */
  exited(): string | undefined;
  stop(): Promise<void>;
}

export interface StartOptions {
  cwd: string;
  env: Record<string, string>;
  readyTimeoutMs?: number;
  /** Sessions to open with GET /init. Default 1. */
  sessions?: number;
}

/** Every child still alive, so an interrupted run does not leave servers behind. */
const live = new Set<ChildProcess>();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const child of live) child.kill('SIGKILL');
    process.exit(130);
  });
}

export async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const address = probe.address();
  probe.close();
  if (!address || typeof address === 'string') throw new Error('could not find a free port');
  return address.port;
}

export async function startServer(file: string, options: StartOptions): Promise<RunningServer> {
  const port = await freePort();
  // node itself (not npx) so the PID we hold is the server's own process.
  // taskset execs node, so the PID is still the server's.
  const [command, args] = pinned('server', process.execPath, ['--import', 'tsx', file]);
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env, PORT: String(port), NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8000);
  });
  let exitReason: string | undefined;
  child.once('exit', (code, signal) => {
    live.delete(child);
    exitReason = `exited (${signal ?? `code ${code}`})${stderr ? `: ${explainStderr(stderr)}` : ''}`;
  });

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };

  try {
    await waitForReady(child, options.readyTimeoutMs ?? 30_000, () => exitReason);
    const baseUrl = `http://127.0.0.1:${port}`;
    const cookies = [await initCookie(baseUrl, true)];
    while (cookies.length < (options.sessions ?? 1)) cookies.push(await initCookie(baseUrl, false));
    return { pid: child.pid!, baseUrl, cookies, exited: () => exitReason, stop };
  } catch (error) {
    await stop();
    const detail = exitReason ?? explainStderr(stderr);
    throw new Error(`${(error as Error).message}${detail && !exitReason ? ` (stderr: ${detail})` : ''}`);
  }
}

function waitForReady(child: ChildProcess, timeoutMs: number, exitReason: () => string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => done(new Error(`no "ready" line within ${timeoutMs / 1000} s`)), timeoutMs);
    const onData = (chunk: string) => {
      buffered += chunk;
      if (buffered.split('\n').some((line) => line.trim() === 'ready')) done();
      buffered = buffered.slice(-200);
    };
    const onExit = () => setImmediate(() => done(new Error(exitReason() ?? 'exited before ready')));
    const done = (error?: Error) => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
      // Keep draining stdout so a chatty server never blocks on a full pipe.
      child.stdout!.resume();
      error ? reject(error) : resolve();
    };
    child.stdout!.setEncoding('utf8').on('data', onData);
    child.once('exit', onExit);
  });
}

/** GET /init, keep the name=value part of each Set-Cookie; `check`: then check /read and /inc answer 2xx with it. */
async function initCookie(baseUrl: string, check: boolean): Promise<string> {
  const init = await fetch(`${baseUrl}/init`, { redirect: 'manual' });
  await init.arrayBuffer();
  if (!init.ok) throw new Error(`GET /init answered ${init.status}`);
  const pairs = new Map<string, string>();
  for (const header of init.headers.getSetCookie()) {
    const pair = header.split(';')[0]!.trim();
    const eq = pair.indexOf('=');
    if (eq > 0) pairs.set(pair.slice(0, eq), pair);
  }
  if (pairs.size === 0) throw new Error('GET /init set no cookie');
  const cookie = [...pairs.values()].join('; ');
  for (const path of check ? ['/read', '/inc'] : []) {
    const res = await fetch(`${baseUrl}${path}`, { headers: { cookie }, redirect: 'manual' });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`GET ${path} with the /init cookie answered ${res.status}`);
  }
  return cookie;
}
