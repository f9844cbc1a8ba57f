/**
 * RedisStore through ioredis's Sentinel support, on a real master + replica + sentinel
 * started on loopback ports; a failover (SENTINEL FAILOVER) is forced while traffic runs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { isSessionError } from '../../src/core/errors.js';
import { RedisStore } from '../../src/stores/redis.js';
import { change, key, record } from '../conformance/store-suite.js';
import { RedisSentinelProcesses, redisCli } from '../helpers/redis-servers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('RedisStore through Sentinel', () => {
  let setup: RedisSentinelProcesses;
  let client: Redis;

  before(async () => {
    setup = await RedisSentinelProcesses.start();
    // failoverDetector: ioredis follows +switch-master at once instead of waiting for the old
    // master to be demoted (which Sentinel does only after its next INFO round, ~10 s).
    client = new Redis({
      sentinels: [{ host: '127.0.0.1', port: setup.sentinel.port }],
      name: setup.name,
      failoverDetector: true,
    });
    client.on('error', () => {});
  });
  after(async () => {
    client?.disconnect();
    await setup?.destroy();
  });

  it('keeps working through a forced failover, and the sessions written before it survive', async () => {
    const store = new RedisStore({ client, timeout: 500, breakerThreshold: 3, breakerCooldown: 200 });
    const before = key();
    const r = record({ userId: 'u-failover', data: { n: 0 } }, 120_000);
    assert.equal(await store.create(before, r), true);
    // Make sure the replica has it before the roles change.
    await client.call('WAIT', '1', '2000');
    const oldMaster = await setup.masterPort();
    assert.equal(oldMaster, setup.master.port);

    let stop = false;
    let ok = 0;
    const errors: unknown[] = [];
    const traffic = (async () => {
      let n = 0;
      while (!stop) {
        try {
          n++;
          await store.update(before, { ...r, data: { n } }, change({ n }));
          assert.ok(await store.get(before));
          ok++;
        } catch (error) {
          errors.push(error);
        }
        await sleep(10);
      }
    })();

    await sleep(200);
    await redisCli(setup.sentinel.port, 'SENTINEL', 'FAILOVER', setup.name);
    const deadline = Date.now() + 20_000;
    while ((await setup.masterPort()) === oldMaster && Date.now() < deadline) await sleep(100);
    assert.equal(await setup.masterPort(), setup.replica.port, 'sentinel promoted the replica');

    // The client follows the switch: new sessions land on the new master.
    let landed = false;
    while (!landed && Date.now() < deadline) {
      const probe = key();
      landed =
        (await store.create(probe, record()).catch(() => false)) &&
        (await redisCli(setup.replica.port, 'EXISTS', `sk:s:${probe}`)) === '1';
      if (!landed) await sleep(100);
    }
    assert.ok(landed, 'writes reach the promoted replica');
    const okAtSwitch = ok;
    const until = Date.now() + 15_000;
    while (ok < okAtSwitch + 20 && Date.now() < until) await sleep(100);
    stop = true;
    await traffic;
    assert.ok(ok >= okAtSwitch + 20, `only ${ok - okAtSwitch} successful requests after the failover`);
    for (const error of errors) assert.ok(isSessionError(error), `untyped error: ${String(error)}`);

    const after = key();
    assert.equal(await store.create(after, record()), true);
    assert.equal(await redisCli(setup.replica.port, 'EXISTS', `sk:s:${after}`), '1');
    assert.ok(await store.get(before), 'the session written before the failover survived');
    assert.deepEqual(
      (await store.listByUser('u-failover')).map((s) => s.key),
      [before],
    );
  });
});
