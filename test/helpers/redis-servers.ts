/**
 * Throwaway redis-server processes for tests: standalone servers, a 3-master cluster and a
 * master + replica + sentinel, each on free loopback ports in a temporary directory, stopped
 * by PID. Nothing here touches the shared Redis on 6379.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 20_000 });
  return stdout.trim();
}

async function waitFor(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** One redis-server process that can be stopped and started again on the same port. */
export class RedisProcess {
  #child: ChildProcess | undefined;
  readonly dir: string;

  constructor(
    readonly port: number,
    readonly extraArgs: string[] = [],
    dir?: string,
  ) {
    this.dir = dir ?? mkdtempSync(join(tmpdir(), 'sk-redis-'));
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      this.dir,
    ];
    this.#child = spawn('redis-server', [...args, ...this.extraArgs], { stdio: 'ignore' });
    await waitFor(`redis-server on ${this.port}`, async () => (await redisCli(this.port, 'PING')) === 'PONG');
    return this;
  }

  /** Stops the process by its PID and waits until it has exited. */
  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(child.pid as number, 'SIGKILL');
    await exited;
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function startRedis(extraArgs: string[] = []): Promise<RedisProcess> {
  return new RedisProcess(await freePort(), extraArgs).start();
}

/** Three masters on loopback, joined with `redis-cli --cluster create`. */
export class RedisClusterProcesses {
  constructor(readonly nodes: RedisProcess[]) {}

  static async start(): Promise<RedisClusterProcesses> {
    const nodes: RedisProcess[] = [];
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      nodes.push(
        new RedisProcess(port, [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          `nodes-${port}.conf`,
          '--cluster-node-timeout',
          '2000',
        ]),
      );
    }
    const cluster = new RedisClusterProcesses(nodes);
    try {
      await Promise.all(nodes.map((n) => n.start()));
      await run(
        'redis-cli',
        ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'],
        { timeout: 30_000 },
      );
      for (const node of nodes) {
        await waitFor('cluster_state:ok', async () =>
          (await redisCli(node.port, 'CLUSTER', 'INFO')).includes('cluster_state:ok'),
        );
      }
    } catch (error) {
      await cluster.destroy();
      throw error;
    }
    return cluster;
  }

  get startupNodes(): Array<{ host: string; port: number }> {
    return this.nodes.map((n) => ({ host: '127.0.0.1', port: n.port }));
  }

  async destroy(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.destroy()));
  }
}

/** A master, one replica and one sentinel watching them as `name`. */
export class RedisSentinelProcesses {
  constructor(
    readonly master: RedisProcess,
    readonly replica: RedisProcess,
    readonly sentinel: RedisProcess,
    readonly name: string,
  ) {}

  static async start(name = 'skmaster'): Promise<RedisSentinelProcesses> {
    const master = await startRedis();
    const replica = await new RedisProcess(await freePort(), ['--replicaof', '127.0.0.1', String(master.port)]).start();
    const sentinelPort = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'sk-sentinel-'));
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(
      conf,
      [
        `port ${sentinelPort}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `logfile ${join(dir, 'sentinel.log')}`,
        `sentinel monitor ${name} 127.0.0.1 ${master.port} 1`,
        `sentinel down-after-milliseconds ${name} 1000`,
        `sentinel failover-timeout ${name} 5000`,
        '',
      ].join('\n'),
    );
    // redis-sentinel is redis-server in sentinel mode; started through the config file it rewrites.
    const sentinel = new SentinelProcess(sentinelPort, conf, dir);
    const setup = new RedisSentinelProcesses(master, replica, sentinel, name);
    try {
      await sentinel.start();
      await waitFor('replica in sync', async () =>
        (await redisCli(replica.port, 'INFO', 'replication')).includes('master_link_status:up'),
      );
      await waitFor('sentinel sees the replica', async () =>
        (await redisCli(sentinelPort, 'SENTINEL', 'REPLICAS', name)).includes(String(replica.port)),
      );
    } catch (error) {
      await setup.destroy();
      throw error;
    }
    return setup;
  }

  async masterPort(): Promise<number> {
    const reply = await redisCli(this.sentinel.port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.name);
    return Number(reply.split('\n')[1]);
  }

  async destroy(): Promise<void> {
    await Promise.all([this.master.destroy(), this.replica.destroy(), this.sentinel.destroy()]);
  }
}

class SentinelProcess extends RedisProcess {
  constructor(
    port: number,
    readonly conf: string,
    dir: string,
  ) {
    super(port, [], dir);
  }

  override async start(): Promise<this> {
    const child = spawn('redis-server', [this.conf, '--sentinel'], { stdio: 'ignore' });
    this.#sentinelChild = child;
    await waitFor(`sentinel on ${this.port}`, async () => (await redisCli(this.port, 'PING')) === 'PONG');
    return this;
  }

  #sentinelChild: ChildProcess | undefined;

  override get pid(): number | undefined {
    return this.#sentinelChild?.pid;
  }

  override async stop(): Promise<void> {
    const child = this.#sentinelChild;
    this.#sentinelChild = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(child.pid as number, 'SIGKILL');
    await exited;
  }
}
