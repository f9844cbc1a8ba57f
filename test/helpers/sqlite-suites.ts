/**
 * The shared suites for SqliteStore on one driver: conformance and the SQL store suite,
 * each store on a fresh file under a temporary directory. Returns the file maker, so the
 * caller's own tests can open more files there.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { SqliteStore, type SqliteStoreOptions } from '../../src/stores/sqlite.js';
import { storeConformance } from '../conformance/store-suite.js';
import { sqlStoreSuite } from '../stores/sql-store-suite.js';

export function sqliteSuites(label: string, driver: Pick<SqliteStoreOptions, 'driver'> = {}): () => string {
  const dir = mkdtempSync(join(tmpdir(), 'sessionkit-sqlite-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  let files = 0;
  const file = () => join(dir, `nested/dir-${++files}/sessions.db`);

  storeConformance(label, { create: () => new SqliteStore({ path: file(), ...driver }) });

  sqlStoreSuite(label, {
    dialect: 'sqlite',
    // Every store has a database of its own, so the plain name is unique enough.
    table: (name) => name,
    newStore: (options) => new SqliteStore({ path: ':memory:', ...driver, ...options }),
    construct: (options) => new SqliteStore({ path: ':memory:', ...driver, ...options }),
    constructEmpty: () => new SqliteStore({} as never),
    requiredOption: /path/,
    migrate: (table) => {
      const path = file();
      return {
        runs: [
          [`sqlite:${path}`, '--table', table],
          [path, '--table', table],
        ],
        open: () => new SqliteStore({ path, table, createTable: false, ...driver }),
        refused: [path, '--table', 'bad name'],
      };
    },
  });
  return file;
}
