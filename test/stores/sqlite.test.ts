import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createSessions } from '../../src/core/manager.js';
import { SqliteStore } from '../../src/stores/sqlite.js';
import { change, key, record } from '../conformance/store-suite.js';
import { sqliteSuites } from '../helpers/sqlite-suites.js';

const file = sqliteSuites('SqliteStore');

describe('SqliteStore', () => {
  it('creates the directory, uses WAL, and keeps sessions across a restart', async () => {
    const path = file();
    const first = new SqliteStore({ path });
    const k = key();
    await first.create(k, record({ data: { kept: true } }));
    await first.close();
    assert.ok(existsSync(path));
    const db = new Database(path);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    db.close();
    const second = new SqliteStore({ path });
    assert.deepEqual((await second.get(k))?.data, { kept: true });
    await second.close();
  });

  it('leaves a database it did not open open, and uses the given table name', async () => {
    const db = new Database(':memory:');
    const store = new SqliteStore({ database: db, table: 'my_sessions' });
    await store.create(key(), record());
    await store.close();
    assert.equal(db.open, true);
    assert.equal((db.prepare('SELECT count(*) AS n FROM my_sessions').get() as { n: number }).n, 1);
    await assert.rejects(async () => store.get(key()), { code: 'store-unavailable' });
    db.close();
  });

  it('two connections to one file changing different keys both keep their change', async () => {
    const path = file();
    const a = new SqliteStore({ path });
    const b = new SqliteStore({ path });
    const k = key();
    const r = record({ data: { a: 0, b: 0, c: 0 } });
    await a.create(k, r);
    await Promise.all([a.update(k, r, change({ a: 1 })), b.update(k, r, change({ b: 1 }, ['c']))]);
    assert.deepEqual((await a.get(k))?.data, { a: 1, b: 1 });
    await Promise.all([a.close(), b.close()]);
  });

  it('a write lock held by another process gives store-timeout after busyTimeout', async () => {
    const path = file();
    const store = new SqliteStore({ path, busyTimeout: 100 });
    await store.create(key(), record());
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    try {
      const started = Date.now();
      await assert.rejects(async () => store.create(key(), record()), { name: 'SessionError', code: 'store-timeout' });
      assert.ok(Date.now() - started < 2000);
      assert.ok(await store.count()); // reads still work in WAL mode
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    assert.equal(await store.create(key(), record()), true); // and writes recover
    await store.close();
  });

  it('prunes in bounded batches and reports the total', async () => {
    let now = 1_000_000;
    const store = new SqliteStore({ path: ':memory:', pruneBatchSize: 3, pruneMaxBatches: 2, now: () => now });
    const short = { createdAt: now, lastSeenAt: now, expiresAt: now + 10, deadline: now + 10 };
    for (let i = 0; i < 8; i++) await store.create(key(), record(short));
    const live = key();
    await store.create(live, record({ createdAt: now, lastSeenAt: now, expiresAt: now + 1e6, deadline: now + 1e6 }));
    now += 100;
    assert.equal(await store.prune(), 6); // two batches of three, the rest next time
    assert.equal(await store.prune(), 2);
    assert.equal(await store.prune(), 0);
    assert.ok(await store.get(live));
    await store.close();
  });

  it("the session manager's cleanup timer prunes expired rows in the background", async () => {
    const db = new Database(':memory:');
    const store = new SqliteStore({ database: db });
    const sessions = createSessions({ store, cleanupInterval: 50, cookie: { secure: false } });
    try {
      for (let i = 0; i < 5; i++) await store.create(key(), record({}, 20));
      await store.create(key(), record());
      const rows = () => (db.prepare('SELECT count(*) AS n FROM sessions').get() as { n: number }).n;
      assert.equal(rows(), 6);
      const until = Date.now() + 2000;
      while (rows() > 1 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 25));
      assert.equal(rows(), 1);
    } finally {
      await sessions.close();
      db.close();
    }
  });
});
