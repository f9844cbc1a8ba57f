import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { PostgresStore } from '../../src/stores/postgres.js';
import { change, key, record, storeConformance } from '../conformance/store-suite.js';
import { expiring, lasting, retried, runTables, type SqlStoreOptions, sqlStoreSuite } from './sql-store-suite.js';

const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
// Every run uses its own tables, so parallel runs (and other engineers' tests) never collide.
const { run, tableFor, tables } = runTables();

const admin = new pg.Pool({ connectionString: url, max: 2 });
admin.on('error', () => {});
after(async () => {
  for (const table of tables) await admin.query(`DROP TABLE IF EXISTS ${table}`).catch(() => {});
  await admin.query(`DROP SCHEMA IF EXISTS ${run}_schema CASCADE`).catch(() => {});
  await admin.end();
});

const pools: pg.Pool[] = [];
const newPool = (config: pg.PoolConfig = {}) => {
  const pool = new pg.Pool({ connectionString: url, max: 4, ...config });
  pools.push(pool);
  return pool;
};
after(async () => {
  for (const pool of pools) await pool.end().catch(() => {});
});

storeConformance('PostgresStore', {
  create: () => new PostgresStore({ pool: newPool(), table: tableFor('conformance'), createTable: true }),
});

const newStore = (options: SqlStoreOptions & { timeout?: number }) =>
  new PostgresStore({ pool: newPool(), ...options });
sqlStoreSuite('PostgresStore', {
  dialect: 'postgres',
  table: tableFor,
  newStore,
  construct: (options) => new PostgresStore({ pool: newPool(), ...options }),
  constructEmpty: () => new PostgresStore({} as never),
  requiredOption: /pool/,
  migrate: (table) => ({
    runs: [
      [url, '--table', table],
      [url, `--table=${table}`],
    ],
    open: () => new PostgresStore({ pool: newPool(), table }),
    refused: ['postgres://postgres@127.0.0.1:1/none', '--table', table],
    check: async () => {
      const { rows } = await admin.query('SELECT indexname FROM pg_indexes WHERE tablename = $1 ORDER BY 1', [table]);
      assert.deepEqual(
        rows.map((r) => r.indexname),
        [`${table}_expires_at_idx`, `${table}_pkey`, `${table}_user_id_idx`],
      );
    },
  }),
  server: {
    newStore,
    lockTable: async (table) => {
      const locker = await admin.connect();
      try {
        await locker.query('BEGIN');
        await locker.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
      } catch (error) {
        locker.release();
        throw error;
      }
      return async () => {
        await locker.query('ROLLBACK');
        locker.release();
      };
    },
    recoveryAttempts: 0, // once the lock is released, PostgreSQL answers the very next query
    countingStore: (options) => {
      const pool = newPool();
      pool.on('error', () => {}); // the store cannot see through the counting wrapper to add its own
      let updates = 0;
      const query = (config: { name?: string }) => {
        if (config.name?.endsWith(':update')) updates++;
        return pool.query(config as never);
      };
      return { store: new PostgresStore({ pool: { query } as never, ...options }), updates: () => updates };
    },
    lockRow: async (table, id) => {
      const locker = await admin.connect();
      try {
        await locker.query('BEGIN');
        await locker.query(`SELECT id FROM ${table} WHERE id = $1 FOR UPDATE`, [id]);
      } catch (error) {
        locker.release();
        throw error;
      }
      return async () => {
        try {
          await locker.query(`DELETE FROM ${table} WHERE id = $1`, [id]);
          await locker.query('COMMIT');
        } finally {
          locker.release();
        }
      };
    },
  },
});

describe('PostgresStore', () => {
  it('keeps U+0000 (which jsonb refuses) in values and keys, through partial updates', async () => {
    const store = new PostgresStore({ pool: newPool(), table: tableFor('nul'), createTable: true });
    const k = key();
    const data = {
      'nul\u0000key': 'a\u0000b',
      mark: 'private \uE000 use, \uE000E and \uE0000 look like escapes',
      nested: { list: ['\u0000', { '\u0000': '\u0000\u0000' }] },
      plain: 'text',
    };
    await store.create(k, record({ data }));
    assert.deepEqual((await store.get(k))?.data, data);
    const next = { ...data, added: 'x\u0000y' } as Record<string, unknown>;
    delete next['nul\u0000key'];
    assert.ok(await store.update(k, record({ data: next }), change({ added: 'x\u0000y' }, ['nul\u0000key'])));
    assert.deepEqual((await store.get(k))?.data, next);
    // And a plain string that merely looks like the escape comes back as it went in.
    const looks = { looks: '\\u0000 \uE000' };
    assert.ok(await store.update(k, record({ data: looks }), change(looks, [], { cleared: true })));
    assert.deepEqual((await store.get(k))?.data, looks);
    await store.close();
  });

  it('creates a schema-qualified table, also when two instances start at once', async () => {
    await admin.query(`CREATE SCHEMA ${run}_schema`);
    const table = `${run}_schema.sessions`;
    const [a, b] = [newPool(), newPool()].map((pool) => new PostgresStore({ pool, table, createTable: true }));
    const [ka, kb] = [key(), key()];
    assert.deepEqual(await Promise.all([a.create(ka, record()), b.create(kb, record())]), [true, true]);
    assert.ok(await b.get(ka));
    assert.equal(await a.count(), 2);
  });

  it('prunes in batches with SKIP LOCKED: concurrent pruners share the work, locked rows are skipped', async () => {
    const table = tableFor('prune_locked');
    let now = 1_000_000;
    const options = { table, createTable: true, pruneBatchSize: 7, now: () => now };
    const a = new PostgresStore({ pool: newPool(), ...options });
    const b = new PostgresStore({ pool: newPool(), ...options });
    const keys = Array.from({ length: 60 }, () => key());
    for (const k of keys) await a.create(k, record(expiring(now)));
    const live = key();
    await a.create(live, record(lasting(now)));
    now += 100;
    const locker = await admin.connect();
    try {
      await locker.query('BEGIN');
      await locker.query(`SELECT id FROM ${table} WHERE id = $1 FOR UPDATE`, [keys[0]]);
      const started = Date.now();
      const [ra, rb] = await Promise.all([a.prune(), b.prune()]);
      assert.ok(Date.now() - started < 3000, 'a locked row made pruning wait');
      assert.equal(ra + rb, 59, `pruned ${ra} + ${rb}`);
    } finally {
      await locker.query('ROLLBACK');
      locker.release();
    }
    assert.equal(await a.prune(), 1);
    assert.ok(await a.get(live));
  });

  it("synchronousCommit 'lifecycle' relaxes only its own statements; 'all' works the same", async () => {
    const pool = newPool({ max: 1 }); // one connection: the update and the SHOW share it
    const relaxed = new PostgresStore({
      pool,
      table: tableFor('commit'),
      createTable: true,
      synchronousCommit: 'lifecycle',
    });
    const strict = new PostgresStore({
      pool,
      table: tableFor('commit_all'),
      createTable: true,
      synchronousCommit: 'all',
    });
    for (const store of [relaxed, strict]) {
      const k = key();
      const r = record({ data: { a: 1 } });
      assert.ok(await store.create(k, r));
      assert.ok(await store.update(k, r, change({ b: 2 })));
      assert.ok(await store.touch(k, r.expiresAt + 1000, r.lastSeenAt + 1000));
      assert.deepEqual((await store.get(k))?.data, { a: 1, b: 2 });
      assert.equal(await store.prune(), 0);
      const { rows } = await pool.query('SHOW synchronous_commit');
      assert.equal(rows[0].synchronous_commit, 'on', 'the pooled connection kept its own setting');
    }
    assert.throws(() => new PostgresStore({ pool, synchronousCommit: 'off' as never }), {
      code: 'invalid-option',
      message: /synchronousCommit/,
    });
  });

  // PostgreSQL is shared with other engineers' tests: one short outage, always restarted.
  it('a stopped server gives a typed error within a bounded time, and the store recovers when it returns', async (t) => {
    const cluster = readdirSync('/etc/postgresql')[0];
    if (!cluster || process.env.SESSIONKIT_SKIP_OUTAGE) return t.skip('no local cluster to stop');
    const ctl = (action: 'stop' | 'start') =>
      execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', cluster, 'main', action], { stdio: 'pipe' });
    const pool = newPool({ connectionTimeoutMillis: 1000 });
    const store = new PostgresStore({ pool, table: tableFor('outage'), createTable: true, timeout: 1000 });
    const k = key();
    await store.create(k, record({ data: { survived: true } }));
    try {
      ctl('stop');
      for (const operation of [() => store.get(k), () => store.create(key(), record()), () => store.touch(k, 1, 1)]) {
        const started = Date.now();
        await assert.rejects(operation(), (error: Error & { code?: string }) => {
          assert.equal(error.name, 'SessionError');
          assert.ok(['store-unavailable', 'store-timeout'].includes(error.code ?? ''), error.code);
          return true;
        });
        assert.ok(Date.now() - started < 2500, `took ${Date.now() - started} ms`);
      }
    } finally {
      ctl('start');
    }
    // Back up: the pool reconnects and the data is still there.
    const back = await retried(() => store.get(k), 21, 250);
    assert.deepEqual(back?.data, { survived: true });
  });
});
