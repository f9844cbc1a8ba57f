/**
 * The ceiling for the redis group: the raw GET and SET throughput of a throwaway
 * redis-server on this machine, measured by `redis-benchmark -t get,set -q`. Prints one JSON
 * line per command: {"group":"redis-benchmark","name":"GET","opsPerSec":n,"note":"..."}.
 * BENCH_REQUESTS (default 100000) sets the requests per command.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 100_000);
const CLIENTS = 50;

const port = await new Promise<number>((resolve, reject) => {
  const probe = createServer();
  probe.on('error', reject);
  probe.listen(0, '127.0.0.1', () => {
    const { port } = probe.address() as { port: number };
    probe.close(() => resolve(port));
  });
});
const dir = mkdtempSync(join(tmpdir(), 'bench-redis-'));
const server = spawn(
  'redis-server',
  ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
  { stdio: 'ignore' },
);

try {
  for (let i = 0; ; i++) {
    const pong = await run('redis-cli', ['-p', String(port), 'PING']).then(
      (r) => r.stdout.trim(),
      () => '',
    );
    if (pong === 'PONG') break;
    if (i > 100) throw new Error('redis-server did not start');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const { stdout } = await run(
    'redis-benchmark',
    ['-h', '127.0.0.1', '-p', String(port), '-t', 'get,set', '-q', '-n', String(REQUESTS), '-c', String(CLIENTS)],
    { timeout: 120_000 },
  );
  // -q prints progress with \r and then e.g. "GET: 123456.79 requests per second, p50=0.199 msec".
  for (const line of stdout.split(/[\r\n]+/)) {
    const match = /^(GET|SET): ([\d.]+) requests per second(.*)$/.exec(line.trim());
    if (!match) continue;
    const [, name, rate, rest] = match;
    console.log(
      JSON.stringify({
        group: 'redis-benchmark',
        name,
        opsPerSec: Number(rate),
        note: `redis-benchmark -q -n ${REQUESTS} -c ${CLIENTS}, throwaway redis-server, no pipelining${rest ? `;${rest.replace(/^,/, '')}` : ''}`,
      }),
    );
  }
} finally {
  server.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
