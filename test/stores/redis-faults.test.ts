/**
 * Faults against a real redis-server this test starts and kills by PID: Redis down at
 * start-up, killed mid-traffic and started again. Calls must fail with a typed SessionError
 * within the timeout, the circuit breaker must stop sending while Redis is dead, and the store
 * must recover by itself.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { withSessions } from '../../src/adapters/node.js';
import { isSessionError } from '../../src/core/errors.js';
import { createSessions } from '../../src/core/manager.js';
import { RedisStore } from '../../src/stores/redis.js';
import { key, record } from '../conformance/store-suite.js';
import { RedisProcess, freePort } from '../helpers/redis-servers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const TIMEOUT = 300;

/** Runs `op` and returns how long it took and what it threw. */
async function timed(op: () => Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const start = performance.now();
  try {
    await op();
    return { ms: performance.now() - start, error: undefined };
  } catch (error) {
    return { ms: performance.now() - start, error };
  }
}

async function until(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < ms) {
    if (await check().catch(() => false)) return Date.now() - start;
    await sleep(50);
  }
  throw new Error(`not recovered: ${what}`);
}

function assertTypedFailure(error: unknown): void {
  assert.ok(isSessionError(error), `expected a SessionError, got ${String(error)}`);
  assert.ok(['store-unavailable', 'store-timeout'].includes(error.code), error.code);
}

describe('RedisStore when Redis fails (real redis-server, stopped and started by PID)', () => {
  const servers: RedisProcess[] = [];
  const clients: Array<{ disconnect?: () => void; destroy?: () => void }> = [];
  after(async () => {
    for (const c of clients) c.disconnect?.() ?? c.destroy?.();
    for (const s of servers) await s.destroy();
  });

  it('ioredis: down at start-up fails fast and typed, then recovers when Redis comes up', async () => {
    const port = await freePort();
    const client = new Redis({ port, host: '127.0.0.1', retryStrategy: () => 100 });
    client.on('error', () => {});
    clients.push(client);
    const store = new RedisStore({ client, timeout: TIMEOUT, breakerCooldown: 200 });
    for (let i = 0; i < 8; i++) {
      const { ms, error } = await timed(() => store.get(key()));
      assertTypedFailure(error);
      assert.ok(ms < TIMEOUT + 400, `call ${i} took ${ms} ms`);
    }
    assert.equal(store.circuit, 'open');
    const server = new RedisProcess(port);
    servers.push(server);
    await server.start();
    const k = key();
    await until('create after start-up', () => store.create(k, record()));
    assert.equal(store.circuit, 'closed');
    assert.ok(await store.get(k));
  });

  it('ioredis: killed mid-traffic, requests fail fast with a SessionError, the breaker opens, and it recovers', async () => {
    const server = await new RedisProcess(await freePort()).start();
    servers.push(server);
    const client = new Redis({ port: server.port, host: '127.0.0.1', retryStrategy: () => 100 });
    client.on('error', () => {});
    clients.push(client);
    const store = new RedisStore({ client, timeout: TIMEOUT, breakerThreshold: 3, breakerCooldown: 300 });
    const sessions = createSessions({ store, cookie: { secure: false } });
    const s = await sessions.load();
    s.set('count', 0);
    const cookie = (await sessions.commit(s)).cookies[0]!.split(';')[0]!;

    // Traffic: read-modify-write loops, as HTTP requests would do.
    let stop = false;
    const outcomes: Array<{ ok: boolean; ms: number; error?: unknown }> = [];
    const worker = async () => {
      while (!stop) {
        const { ms, error } = await timed(async () => {
          const session = await sessions.load(cookie);
          session.set('count', ((session.get('count') as number | undefined) ?? 0) + 1);
          await sessions.commit(session);
        });
        outcomes.push({ ok: error === undefined, ms, error });
        await sleep(5);
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    await sleep(300);
    const beforeKill = outcomes.length;
    assert.ok(
      outcomes.every((o) => o.ok),
      'all requests succeeded while Redis was up',
    );

    await server.stop();
    await sleep(1500);
    const duringOutage = outcomes.slice(beforeKill).filter((o) => !o.ok);
    assert.ok(duringOutage.length > 10, `few failures: ${duringOutage.length}`);
    for (const o of duringOutage) {
      assertTypedFailure(o.error);
      assert.ok(o.ms < TIMEOUT * 2 + 400, `a failing request took ${o.ms} ms`);
    }
    // Once open, the breaker answers without waiting for Redis.
    const fastFailures = duringOutage.filter((o) => o.ms < 100).length;
    assert.ok(fastFailures > duringOutage.length / 2, `only ${fastFailures}/${duringOutage.length} failed fast`);
    assert.equal(store.circuit === 'closed', false);

    await server.start();
    const recoveredIn = await until('traffic after restart', async () => {
      const n = outcomes.length;
      await sleep(200);
      return outcomes.slice(n).some((o) => o.ok);
    });
    stop = true;
    await Promise.all(workers);
    assert.ok(recoveredIn < 5000, `recovered in ${recoveredIn} ms`);
    assert.equal(store.circuit, 'closed');
    // The restarted server is empty (no persistence): the old session is simply unknown now.
    const after = await sessions.load(cookie);
    assert.equal(after.isNew, true);
  });

  it('node-redis: killed and restarted, fails typed within the timeout, recovers', async () => {
    const server = await new RedisProcess(await freePort()).start();
    servers.push(server);
    const client = createClient({ url: server.url, socket: { reconnectStrategy: () => 100 } });
    client.on('error', () => {});
    await client.connect();
    clients.push({ destroy: () => client.destroy() });
    const store = new RedisStore({ client, timeout: TIMEOUT, breakerCooldown: 200 });
    const k = key();
    assert.equal(await store.create(k, record()), true);
    await server.stop();
    for (let i = 0; i < 6; i++) {
      const { ms, error } = await timed(() => store.get(k));
      assertTypedFailure(error);
      assert.ok(ms < TIMEOUT + 400, `call took ${ms} ms`);
    }
    await server.start();
    await until('node-redis recovery', async () => (await store.get(k)) === undefined && store.circuit === 'closed');
  });

  it('a hung Redis (SIGSTOP) costs at most the timeout, as store-timeout, and resumes after SIGCONT', async () => {
    const server = await new RedisProcess(await freePort()).start();
    servers.push(server);
    const client = new Redis({ port: server.port, host: '127.0.0.1' });
    client.on('error', () => {});
    clients.push(client);
    const store = new RedisStore({ client, timeout: TIMEOUT, breakerThreshold: 2, breakerCooldown: 200 });
    const k = key();
    await store.create(k, record());
    process.kill(server.pid as number, 'SIGSTOP');
    try {
      // Many calls in flight at once: each is bounded (one shared timer serves them all).
      const start = performance.now();
      const all = await Promise.all(
        Array.from({ length: 10 }, () =>
          store.get(k).then(
            () => undefined,
            (e: unknown) => e,
          ),
        ),
      );
      const took = performance.now() - start;
      for (const error of all) assert.ok(isSessionError(error, 'store-timeout'), String(error));
      assert.ok(took >= TIMEOUT - 5 && took < TIMEOUT + 400, `10 concurrent calls took ${took} ms`);
      await sleep(250); // let the breaker's cooldown pass: the next call is a probe
      const first = await timed(() => store.get(k));
      assert.ok(isSessionError(first.error, 'store-timeout'), String(first.error));
      assert.ok(first.ms >= TIMEOUT - 5 && first.ms < TIMEOUT + 400, `took ${first.ms} ms`);
      await timed(() => store.get(k));
      const open = await timed(() => store.get(k));
      assert.ok(isSessionError(open.error, 'store-unavailable'), String(open.error));
      assert.ok(open.ms < 100, `open circuit took ${open.ms} ms`);
    } finally {
      process.kill(server.pid as number, 'SIGCONT');
    }
    await until('resume after SIGCONT', async () => (await store.get(k)) !== undefined);
    assert.equal(store.circuit, 'closed');
  });

  it('over HTTP: a dead Redis gives 503 within the timeout, the server keeps serving, and recovers', async () => {
    const server = await new RedisProcess(await freePort()).start();
    servers.push(server);
    const client = new Redis({ port: server.port, host: '127.0.0.1', retryStrategy: () => 100 });
    client.on('error', () => {});
    clients.push(client);
    const sessions = createSessions({
      store: new RedisStore({ client, timeout: TIMEOUT, breakerCooldown: 200 }),
      cookie: { secure: false },
    });
    const http = createServer(
      withSessions(sessions, (_req, res, session) => {
        session.set('n', ((session.get('n') as number | undefined) ?? 0) + 1);
        res.end(String(session.get('n')));
      }),
    );
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/`;
    try {
      const first = await fetch(url);
      assert.equal(first.status, 200);
      const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
      await server.stop();
      for (let i = 0; i < 5; i++) {
        const start = performance.now();
        const response = await fetch(url, { headers: { cookie } });
        assert.equal(response.status, 503);
        await response.text();
        assert.ok(performance.now() - start < TIMEOUT + 400);
      }
      await server.start();
      await until('HTTP recovery', async () => (await fetch(url, { headers: { cookie } })).status === 200);
    } finally {
      http.close();
    }
  });
});
