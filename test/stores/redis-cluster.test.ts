/**
 * RedisStore on a real 3-master Redis Cluster started on loopback ports for this test
 * (redis-server --cluster-enabled yes + redis-cli --cluster create), through both clients.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Cluster } from 'ioredis';
import { createCluster } from 'redis';
import { RedisStore } from '../../src/stores/redis.js';
import { key, record, storeConformance } from '../conformance/store-suite.js';
import { RedisClusterProcesses, redisCli } from '../helpers/redis-servers.js';

describe('RedisStore on Redis Cluster', () => {
  let cluster: RedisClusterProcesses;
  let io: Cluster;
  let nr: ReturnType<typeof createCluster>;

  before(async () => {
    cluster = await RedisClusterProcesses.start();
  });
  after(async () => {
    await cluster?.destroy();
  });

  storeConformance('RedisStore (ioredis Cluster)', {
    create: () => {
      io = new Cluster(cluster.startupNodes);
      const store = new RedisStore({ client: io, maxSessionsPerUser: 50 });
      assert.equal(store.mode, 'cluster');
      return store;
    },
    teardown: async () => {
      await io.quit();
    },
  });

  // Auto-pipelining routes each command by its key's slot; the store's pipelines stay on one.
  let ioAuto: Cluster;
  storeConformance('RedisStore (ioredis Cluster, enableAutoPipelining)', {
    create: () => {
      ioAuto = new Cluster(cluster.startupNodes, { enableAutoPipelining: true });
      return new RedisStore({ client: ioAuto, prefix: 'ioa:', maxSessionsPerUser: 50 });
    },
    teardown: async () => {
      await ioAuto.quit();
    },
  });

  storeConformance('RedisStore (node-redis cluster)', {
    create: async () => {
      nr = createCluster({ rootNodes: cluster.startupNodes.map((n) => ({ url: `redis://${n.host}:${n.port}` })) });
      await nr.connect();
      const store = new RedisStore({ client: nr, prefix: 'nr:' });
      assert.equal(store.mode, 'cluster');
      return store;
    },
    teardown: async () => {
      await nr.close();
    },
  });

  it('spreads sessions over the masters and caps a user across slots', async () => {
    const client = new Cluster(cluster.startupNodes);
    try {
      const store = new RedisStore({ client, prefix: 'cap:', maxSessionsPerUser: 2 });
      const user = `u-${key()}`;
      const keys = [key(), key(), key(), key()];
      const now = Date.now();
      for (const [i, k] of keys.entries()) {
        await store.create(k, record({ userId: user, createdAt: now + i, deadline: now + 100_000 + i * 1000 }));
      }
      assert.deepEqual(
        (await store.listByUser(user)).map((s) => s.key),
        keys.slice(2),
      );
      assert.equal(await store.get(keys[0]!), undefined);
      assert.equal(await store.get(keys[1]!), undefined);
      const perNode = await Promise.all(cluster.nodes.map((n) => redisCli(n.port, 'DBSIZE')));
      assert.ok(perNode.filter((n) => Number(n) > 0).length >= 2, `keys on nodes: ${perNode.join(',')}`);
    } finally {
      await client.quit();
    }
  });
});
