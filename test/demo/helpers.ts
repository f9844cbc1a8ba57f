/** Starts the demo in-process on a free port, or as a real child process (`npm start`'s command). */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKey } from '../../src/core/keyring.js';
import { createDemo } from '../../examples/demo/app.js';
import type { DemoConfig } from '../../examples/demo/config.js';

export const ROOT = new URL('../../', import.meta.url).pathname;

export function testConfig(overrides: Partial<DemoConfig> = {}): DemoConfig {
  return {
    host: '127.0.0.1',
    port: 0,
    production: false,
    dataDir: mkdtempSync(join(tmpdir(), 'sk-demo-')),
    storeUrl: 'memory:',
    keys: [generateKey()],
    trustProxy: false,
    printAccounts: false,
    ...overrides,
  };
}

export async function startDemo(overrides: Partial<DemoConfig> = {}) {
  const demo = await createDemo(testConfig(overrides), { warn: () => {} });
  const url = await demo.listen(0, '127.0.0.1');
  return { demo, url };
}

/** The CSRF token embedded in a page's forms. */
export function csrfOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no CSRF field on the page');
  return match[1] as string;
}

export interface DemoProcess {
  url: string;
  output: () => string;
  stop(): Promise<void>;
}

/** Runs `node --import tsx examples/demo/server.ts` with env; resolves once it listens (or rejects with its output). */
export function spawnDemo(env: Record<string, string>): Promise<DemoProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'examples/demo/server.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', DEMO_QUIET: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`demo did not start within 20 s:\n${output}`));
    }, 20_000);
    child.stdout?.on('data', () => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1] as string, output: () => output, stop });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`demo exited with code ${code}:\n${output}`), { code, output }));
    });
  });
}
