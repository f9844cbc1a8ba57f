/**
 * The two synchronous SQLite drivers SqliteStore runs on: better-sqlite3, and node:sqlite
 * (built into Node 22.13 and later). Their statement APIs already agree on what the store
 * uses (prepare, then run / get / all with positional parameters); this file opens a file
 * with either and smooths over the rest (pragmas, transactions, telling them apart).
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { SessionError } from '../../core/errors.js';

export type SqliteDriverName = 'better-sqlite3' | 'node:sqlite';

/** A prepared statement, as both drivers offer it. */
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

/** A database handle, as both drivers offer it: better-sqlite3's Database or node:sqlite's DatabaseSync. */
export interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  exec(sql: string): unknown;
  close(): unknown;
}

/** A database the store can use, and which driver it came from. */
export interface SqliteConnection {
  readonly db: SqliteDatabase;
  readonly driver: SqliteDriverName;
}

const STORE = 'SqliteStore';
const require = createRequire(import.meta.url);

/** Which driver made `db`: better-sqlite3 databases have pragma(); node:sqlite's do not. */
export function connectionOf(db: unknown): SqliteConnection {
  const candidate = db as Partial<SqliteDatabase> & { pragma?: unknown };
  if (!candidate || typeof candidate.prepare !== 'function' || typeof candidate.exec !== 'function') {
    throw new SessionError(
      'invalid-option',
      `${STORE}: database must be a better-sqlite3 Database or a node:sqlite DatabaseSync`,
      { details: { option: 'database' } },
    );
  }
  return {
    db: candidate as SqliteDatabase,
    driver: typeof candidate.pragma === 'function' ? 'better-sqlite3' : 'node:sqlite',
  };
}

/**
 * Opens `path` in WAL mode with `driver`; 'auto' takes better-sqlite3 when it is installed,
 * otherwise node:sqlite when this Node has it. Creates the file's directory.
 */
export function openSqlite(path: string, driver: SqliteDriverName | 'auto'): SqliteConnection {
  if (typeof path !== 'string' || path === '') {
    throw new SessionError('invalid-option', `${STORE}: path must be a file path such as './data/sessions.db'`);
  }
  let chosen: SqliteDriverName = driver === 'auto' ? 'better-sqlite3' : driver;
  let db: SqliteDatabase;
  try {
    if (path !== ':memory:' && !path.startsWith('file:')) mkdirSync(dirname(path), { recursive: true });
    if (driver === 'auto') {
      // better-sqlite3 when it is installed and built for this Node; node:sqlite otherwise.
      const opened = tryBetterSqlite3(path);
      if (opened) db = opened;
      else {
        chosen = 'node:sqlite';
        db = openNodeSqlite(path);
      }
    } else {
      db = chosen === 'better-sqlite3' ? openBetterSqlite3(path) : openNodeSqlite(path);
    }
  } catch (error) {
    if (error instanceof SessionError) throw error;
    throw new SessionError('store-unavailable', `${STORE}: cannot open ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  db.exec('PRAGMA journal_mode = WAL');
  // WAL makes NORMAL durable against application crashes; only an OS crash may lose the last commits.
  db.exec('PRAGMA synchronous = NORMAL');
  return { db, driver: chosen };
}

/** Runs `body` in one transaction. */
export function inTransaction(db: SqliteDatabase, body: () => void): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    body();
    db.exec('COMMIT');
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}

type BetterSqlite3Constructor = new (path: string) => SqliteDatabase;
type NodeSqliteModule = { DatabaseSync: new (path: string) => SqliteDatabase };

function loadBetterSqlite3(): BetterSqlite3Constructor | undefined {
  try {
    return require('better-sqlite3') as BetterSqlite3Constructor;
  } catch {
    return undefined;
  }
}

/** node:sqlite, or undefined on a Node without it (Node 20, or 22 before it was unflagged). */
export function loadNodeSqlite(): NodeSqliteModule | undefined {
  const builtin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  try {
    const loaded = builtin ? builtin('node:sqlite') : require('node:sqlite');
    return (loaded as Partial<NodeSqliteModule> | undefined)?.DatabaseSync ? (loaded as NodeSqliteModule) : undefined;
  } catch {
    return undefined;
  }
}

/** A better-sqlite3 database, or undefined when it is missing or its addon does not load here (and node:sqlite can stand in). */
function tryBetterSqlite3(path: string): SqliteDatabase | undefined {
  const Database = loadBetterSqlite3();
  if (!Database) return undefined;
  try {
    return new Database(path);
  } catch (error) {
    // An addon built for another Node (NODE_MODULE_VERSION) or never built: fall back when we can.
    const message = String((error as Error)?.message);
    const addon =
      (error as { code?: string })?.code === 'ERR_DLOPEN_FAILED' || /NODE_MODULE_VERSION|bindings file/.test(message);
    if (addon && loadNodeSqlite()) return undefined;
    throw error;
  }
}

function openBetterSqlite3(path: string): SqliteDatabase {
  const Database = loadBetterSqlite3();
  if (!Database) {
    throw new SessionError(
      'invalid-option',
      `${STORE}: driver 'better-sqlite3' is not installed; run \`npm install better-sqlite3\` (or use driver 'node:sqlite' on Node >= 22.13)`,
      { details: { option: 'driver' } },
    );
  }
  return new Database(path);
}

function openNodeSqlite(path: string): SqliteDatabase {
  const sqlite = loadNodeSqlite();
  if (!sqlite) {
    throw new SessionError(
      'invalid-option',
      `${STORE}: no SQLite driver: run \`npm install better-sqlite3\`, or use Node >= 22.13, which has node:sqlite built in (running ${process.version})`,
      { details: { option: 'driver' } },
    );
  }
  return new sqlite.DatabaseSync(path);
}
