import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import mysql from 'mysql2';
import mysqlPromise from 'mysql2/promise';
import { MysqlStore } from '../../src/stores/mysql.js';
import { change, key, record, storeConformance } from '../conformance/store-suite.js';
import { runTables, type SqlStoreOptions, sqlStoreSuite } from './sql-store-suite.js';

const url = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';
// Every run uses its own tables, so parallel runs (and other engineers' tests) never collide.
const { tableFor, tables } = runTables();

const pools: Array<{ end(): Promise<void> | void }> = [];
const newPool = (config: mysqlPromise.PoolOptions = {}) => {
  const pool = mysqlPromise.createPool({ uri: url, connectionLimit: 4, ...config });
  pools.push(pool);
  return pool;
};
const admin = newPool();
after(async () => {
  for (const table of tables) await admin.query(`DROP TABLE IF EXISTS ${table}`).catch(() => {});
  for (const pool of pools) await pool.end();
});

storeConformance('MysqlStore (MariaDB)', {
  create: () => new MysqlStore({ pool: newPool(), table: tableFor('conformance'), createTable: true }),
});

const newStore = (options: SqlStoreOptions & { timeout?: number }) => new MysqlStore({ pool: newPool(), ...options });
sqlStoreSuite('MysqlStore (MariaDB)', {
  dialect: 'mysql',
  table: tableFor,
  newStore,
  construct: (options) => new MysqlStore({ pool: admin, ...options }),
  constructEmpty: () => new MysqlStore({} as never),
  requiredOption: /pool/,
  migrate: (table) => ({
    runs: [
      [url, '--table', table],
      [url.replace(/^mysql:/, 'mariadb:'), '--table', table],
    ],
    open: () => new MysqlStore({ pool: admin, table }),
    refused: [url, '--table', 'bad name'],
  }),
  server: {
    newStore,
    lockTable: async (table) => {
      const locker = await admin.getConnection();
      try {
        await locker.query(`LOCK TABLES ${table} WRITE`);
      } catch (error) {
        locker.release();
        throw error;
      }
      return async () => {
        await locker.query('UNLOCK TABLES');
        locker.release();
      };
    },
    recoveryAttempts: 11, // MariaDB may need a moment after UNLOCK TABLES
    countingStore: (options) => {
      const pool = newPool();
      let updates = 0;
      const execute = (config: { sql: string }, values: unknown) => {
        if (/^UPDATE \S+ SET data =/.test(config.sql)) updates++;
        return pool.execute(config, values as never);
      };
      const query = pool.query.bind(pool); // the schema script
      return { store: new MysqlStore({ pool: { execute, query } as never, ...options }), updates: () => updates };
    },
    lockRow: async (table, id) => {
      const locker = await admin.getConnection();
      try {
        await locker.query('BEGIN');
        await locker.query(`SELECT id FROM ${table} WHERE id = ? FOR UPDATE`, [id]);
      } catch (error) {
        locker.release();
        throw error;
      }
      return async () => {
        try {
          await locker.query(`DELETE FROM ${table} WHERE id = ?`, [id]);
          await locker.query('COMMIT');
        } finally {
          locker.release();
        }
      };
    },
  },
});

describe('MysqlStore', () => {
  it('accepts a callback pool, and one opened without FOUND_ROWS', async () => {
    const callbackPool = mysql.createPool({ uri: url, connectionLimit: 2, flags: ['-FOUND_ROWS'] });
    pools.push({ end: () => new Promise<void>((resolve) => callbackPool.end(() => resolve())) });
    const store = new MysqlStore({ pool: callbackPool, table: tableFor('callback'), createTable: true });
    const k = key();
    const r = record();
    assert.ok(await store.create(k, r));
    // Same values again: nothing changes, yet the row exists, so these must report true.
    assert.equal(await store.touch(k, r.expiresAt, r.lastSeenAt), true);
    assert.equal(await store.update(k, r, change()), true);
  });

  it('an unreachable server gives store-unavailable quickly', async () => {
    const store = new MysqlStore({ pool: newPool({ uri: 'mysql://root@127.0.0.1:1/test' }), timeout: 1000 });
    const started = Date.now();
    await assert.rejects(store.get(key()), { name: 'SessionError', code: 'store-unavailable' });
    assert.ok(Date.now() - started < 1500);
  });
});
