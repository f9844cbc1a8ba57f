/**
 * The cases every SQL store (SQLite, PostgreSQL, MySQL/MariaDB) shares beyond the Store
 * contract: missing tables, odd keys in partial updates, the per-user cap, `sessionkit
 * migrate`, the shipped schema files, option checks and, for the stores on a server,
 * concurrent writers, concurrent pruning and a slow database. Each store's test file calls
 * `sqlStoreSuite('PostgresStore', { dialect: 'postgres', table, newStore, ... })` and keeps
 * what only its own database does.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { run as migrate } from '../../src/cli/commands/migrate.js';
import type { SessionRecord, Store } from '../../src/core/store.js';
import { schemaScript } from '../../src/stores/sql/schema.js';
import { change, key, record } from '../conformance/store-suite.js';

/** What the SQL stores offer on top of the optional Store methods. */
export type SqlStore = Store & Required<Pick<Store, 'listByUser' | 'count' | 'prune' | 'close'>>;

/** The options every SQL store takes. */
export interface SqlStoreOptions {
  table: string;
  createTable?: boolean;
  pruneBatchSize?: number;
  pruneMaxBatches?: number;
  maxSessionsPerUser?: number;
  now?: () => number;
}

export interface SqlStoreHarness {
  dialect: 'sqlite' | 'postgres' | 'mysql';
  /** A table name unique to this run (and dropped after it, where the database outlives the run). */
  table(name: string): string;
  /** A store on a connection (or pool) of its own. */
  newStore(options: SqlStoreOptions): SqlStore;
  /** Calls the store's constructor with a working connection and these options, to check what it refuses. */
  construct(options: Record<string, unknown>): unknown;
  /** Calls the store's constructor with `{}`; the error must name the option that is required. */
  constructEmpty(): unknown;
  requiredOption: RegExp;
  /** `sessionkit migrate` for `table`: runs that create it (the second a no-op), a store on it, a refused run. */
  migrate(table: string): {
    runs: string[][];
    open(): SqlStore;
    refused: string[];
    /** Checks what the migration created, beyond that the store can use it. */
    check?(): Promise<void>;
  };
  /** For stores on a database server: several pools on one table, and a way to make the server slow. */
  server?: {
    newStore(options: SqlStoreOptions & { timeout?: number }): SqlStore;
    /** Holds an exclusive lock on `table` from another connection until the returned function is called. */
    lockTable(table: string): Promise<() => Promise<void>>;
    /** How many failed reads to allow, 100 ms apart, once the lock is gone (0: the first read must work). */
    recoveryAttempts: number;
    /** A store whose pool counts the data-writing UPDATE statements it is sent. */
    countingStore(options: SqlStoreOptions): { store: SqlStore; updates(): number };
    /** Locks row `id` from another connection; the returned function deletes it, commits and lets go. */
    lockRow(table: string, id: string): Promise<() => Promise<void>>;
  };
}

/**
 * Table names unique to this run (`sk_<pid>_<time>_<name>`), so parallel runs and other
 * engineers' tests never collide; `tables` lists every name handed out, for dropping after.
 */
export function runTables(): { run: string; tableFor: (name: string) => string; tables: string[] } {
  const run = `sk_${process.pid}_${Date.now().toString(36)}`;
  const tables: string[] = [];
  const tableFor = (name: string) => {
    const table = `${run}_${name}`;
    tables.push(table);
    return table;
  };
  return { run, tableFor, tables };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `operation` until it resolves, allowing it to fail `retries` times, `delay` ms apart; then rethrows. */
export async function retried<T>(operation: () => Promise<T>, retries: number, delay: number): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (attempt >= retries) throw error;
      await sleep(delay);
    }
  }
}

/** Records that expire 10 ms after `now`, for prune tests that move their clock by hand. */
export const expiring = (now: number): Partial<SessionRecord> => ({
  createdAt: now,
  lastSeenAt: now,
  expiresAt: now + 10,
  deadline: now + 10,
});
export const lasting = (now: number): Partial<SessionRecord> => ({
  createdAt: now,
  lastSeenAt: now,
  expiresAt: now + 1e6,
  deadline: now + 1e6,
});

export function sqlStoreSuite(name: string, harness: SqlStoreHarness): void {
  const { dialect } = harness;

  describe(`SQL store: ${name}`, () => {
    it('a missing table is a store-schema error that says how to create it', async () => {
      const table = harness.table('absent');
      const store = harness.newStore({ table, createTable: false });
      await assert.rejects(
        async () => store.get(key()),
        (error: Error & { code?: string }) => {
          assert.equal(error.name, 'SessionError');
          assert.equal(error.code, 'store-schema');
          assert.ok(error.message.includes(`session table "${table}" is missing`), error.message);
          assert.match(error.message, /sessionkit migrate/);
          if (dialect !== 'sqlite') assert.match(error.message, /createTable: true/);
          assert.doesNotMatch(error.message, /^relation/);
          return true;
        },
      );
      await store.close();
    });

    it('partial updates address any key: dots, quotes, dollars, brackets, braces, commas, empty, NUL', async () => {
      const store = harness.newStore({ table: harness.table('keys'), createTable: true });
      const k = key();
      const odd = ['a.b', 'a"b', '$x', '[0]', '{0}', '', 'back\\slash', "it's", 'a,b', 'nul\u0000key'];
      const r = record({ data: { ...Object.fromEntries(odd.map((name, i) => [name, i])), keep: 'me' } });
      await store.create(k, r);
      const set = Object.fromEntries(odd.slice(0, 5).map((name) => [name, { replaced: name, nul: '\u0000' }]));
      assert.ok(await store.update(k, r, change(set, odd.slice(5))));
      assert.deepEqual((await store.get(k))?.data, { ...set, keep: 'me' });
      await store.close();
    });

    it('caps sessions per user, ending the oldest', async () => {
      const store = harness.newStore({ table: harness.table('cap'), createTable: true, maxSessionsPerUser: 2 });
      const user = `u-${key()}`;
      const [k1, k2, k3] = [key(), key(), key()];
      await store.create(k1, record({ userId: user, createdAt: 1 }));
      await store.create(k2, record({ userId: user, createdAt: 2 }));
      await store.create(k3, record({ userId: user, createdAt: 3 }));
      assert.deepEqual(
        (await store.listByUser(user)).map((s) => s.key),
        [k2, k3],
      );
      // Logging in an existing anonymous session counts too.
      const anon = key();
      const r = record({ createdAt: 4 });
      await store.create(anon, r);
      await store.update(anon, { ...r, userId: user }, change());
      assert.deepEqual(
        (await store.listByUser(user)).map((s) => s.key),
        [k3, anon],
      );
      await store.close();
    });

    it('`sessionkit migrate` creates the table a createTable: false store then uses', async () => {
      const migration = harness.migrate(harness.table('migrated'));
      for (const args of migration.runs) assert.equal(await migrate(args), 0, `migrate ${args.join(' ')}`);
      const store = migration.open();
      const k = key();
      assert.ok(await store.create(k, record({ userId: 'u' })));
      assert.ok(await store.get(k));
      await migration.check?.();
      await store.close();
      assert.equal(await migrate(migration.refused), 1, `migrate ${migration.refused.join(' ')}`);
    });

    it(`sql/${dialect}.sql is the schema the store and \`sessionkit migrate\` create`, () => {
      const file = readFileSync(new URL(`../../sql/${dialect}.sql`, import.meta.url), 'utf8');
      assert.ok(file.endsWith(schemaScript(dialect)), `regenerate sql/${dialect}.sql from src/stores/sql/schema.ts`);
    });

    it('refuses bad options with a message that says what to change', () => {
      assert.throws(() => harness.constructEmpty(), { code: 'invalid-option', message: harness.requiredOption });
      for (const table of ['x; DROP TABLE y', 'x"; DROP', 'a-b', 'a.b.c']) {
        assert.throws(() => harness.construct({ table }), { code: 'invalid-option', message: /table must be/ }, table);
      }
      if (dialect !== 'sqlite') {
        assert.throws(() => harness.construct({ table: 'a.b.c' }), { code: 'invalid-option', message: /schema/ });
        assert.throws(() => harness.construct({ timeout: -1 }), { code: 'invalid-option', message: /timeout/ });
      }
      assert.throws(() => harness.construct({ pruneBatchSize: 0 }), { code: 'invalid-option' });
      assert.throws(() => harness.construct({ maxSessionsPerUser: 1.5 }), { code: 'invalid-option' });
    });

    const server = harness.server;
    if (!server) return;

    it('twenty concurrent writers on two pools, each changing its own key, all keep their change', async () => {
      const table = harness.table('many');
      const a = server.newStore({ table, createTable: true });
      const b = server.newStore({ table, createTable: true });
      const k = key();
      const r = record({ data: { base: true, doomed: 1 } });
      await a.create(k, r);
      const writes = Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? a : b).update(k, r, i === 7 ? change({ [`w${i}`]: i }, ['doomed']) : change({ [`w${i}`]: i })),
      );
      assert.deepEqual(await Promise.all(writes), Array(20).fill(true));
      const expected: Record<string, unknown> = { base: true };
      for (let i = 0; i < 20; i++) expected[`w${i}`] = i;
      assert.deepEqual((await a.get(k))?.data, expected);
    });

    it('writes to one session coalesce: all land, one statement per round, and none revives a logout', async () => {
      const table = harness.table('coalesce');
      const { store, updates } = server.countingStore({ table, createTable: true });
      const k = key();
      const base = record({ data: { start: 0 } });
      await store.create(k, base);
      // 20 requests of one session, each setting its own key, at once.
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.update(k, { ...base, expiresAt: base.expiresAt + i }, change({ [`k${i}`]: i })),
        ),
      );
      assert.deepEqual(results, Array(20).fill(true));
      assert.equal(updates(), 2, 'the first went alone, the other 19 as one');
      const stored = await store.get(k);
      const expected = { start: 0, ...Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i])) };
      assert.deepEqual(stored?.data, expected);
      assert.equal(stored?.expiresAt, base.expiresAt + 19, 'the newest write sets the expiry');

      // A logout elsewhere while writes wait: the row lock holds the first, the rest queue behind it.
      const deleteAndCommit = await server.lockRow(table, k);
      const pending = [
        store.update(k, base, change({ late: 1 })),
        store.touch(k, base.expiresAt + 100, base.lastSeenAt),
        store.update(k, base, change({ later: 2 })),
      ];
      await sleep(50);
      await deleteAndCommit();
      assert.deepEqual(await Promise.all(pending), [false, false, false]);
      assert.equal(await store.get(k), undefined, 'no write brought the session back');
    });

    it('prunes in bounded batches; concurrent pruners on two pools share the work', async () => {
      let now = 1_000_000;
      const options = { table: harness.table('prune'), createTable: true, pruneBatchSize: 7, now: () => now };
      const a = server.newStore(options);
      const b = server.newStore(options);
      for (let i = 0; i < 60; i++) await a.create(key(), record(expiring(now)));
      const live = key();
      await a.create(live, record(lasting(now)));
      now += 100;
      const [ra, rb] = await Promise.all([a.prune(), b.prune()]);
      assert.equal(ra + rb, 60, `pruned ${ra} + ${rb}`);
      assert.equal(await a.prune(), 0);
      assert.ok(await a.get(live));
    });

    it('a slow database gives store-timeout within the timeout, then recovers', async () => {
      const table = harness.table('slow');
      const store = server.newStore({ table, createTable: true, timeout: 300 });
      const k = key();
      await store.create(k, record());
      const unlock = await server.lockTable(table);
      try {
        const started = Date.now();
        await assert.rejects(async () => store.get(k), { name: 'SessionError', code: 'store-timeout' });
        assert.ok(Date.now() - started < 1500, `took ${Date.now() - started} ms`);
      } finally {
        await unlock();
      }
      assert.ok(await retried(async () => store.get(k), server.recoveryAttempts, 100));
    });
  });
}
