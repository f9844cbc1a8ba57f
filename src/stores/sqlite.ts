/**
 * SqliteStore: sessions in an SQLite file through better-sqlite3 or node:sqlite. The embedded default:
 * no server, survives restarts, WAL mode, statements prepared once. Partial updates use
 * json_set / json_remove, so concurrent requests changing different keys both keep
 * their change; writes are update-only / create-only like every sessionkit store.
 *
 *   const store = new SqliteStore({ path: './data/sessions.db' });
 *   const sessions = createSessions({ store });
 */
import { jsonCodec } from '../core/codec.js';
import { SessionError } from '../core/errors.js';
import type { MaybePromise } from '../core/maybe.js';
import type { Change, SessionInfo, SessionRecord, Store } from '../core/store.js';
import { sqlError } from './sql/errors.js';
import { optionalPositiveInteger, positiveInteger, tableName } from './sql/options.js';
import { pruneInBatches } from './sql/prune.js';
import {
  clientText,
  flashText,
  INSERT_COLUMNS,
  infoOf,
  jsonPath,
  RECORD_COLUMNS,
  recordOf,
  type SessionRow,
} from './sql/row.js';
import { sqliteSchema } from './sql/schema.js';
import {
  connectionOf,
  inTransaction,
  openSqlite,
  type SqliteDatabase,
  type SqliteDriverName,
  type SqliteStatement as Statement,
} from './sql/sqlite-driver.js';

export type { SqliteDatabase, SqliteDriverName } from './sql/sqlite-driver.js';

export interface SqliteStoreOptions {
  /**
   * The database file, e.g. './data/sessions.db' (its directory is created if missing),
   * or ':memory:'. The store opens it in WAL mode and closes it on close().
   */
  path?: string;
  /**
   * Or a database you opened yourself: a better-sqlite3 Database or a node:sqlite
   * DatabaseSync (left open by close(); its journal mode is yours).
   */
  database?: SqliteDatabase;
  /**
   * Which driver opens `path`: 'better-sqlite3', 'node:sqlite' (Node >= 22.13), or 'auto'
   * (default): better-sqlite3 when it is installed, otherwise node:sqlite.
   */
  driver?: SqliteDriverName | 'auto';
  /** Table name. Default 'sessions'. */
  table?: string;
  /** Create the table and its indexes on first use. Default true (an embedded file is the app's own). */
  createTable?: boolean;
  /** How long (ms) to wait for another process's write lock before a 'store-timeout' error. Default 5000. */
  busyTimeout?: number;
  /** Expired rows deleted per prune statement. Default 500. */
  pruneBatchSize?: number;
  /** Prune statements per prune() call. Default 100. */
  pruneMaxBatches?: number;
  /** Most live sessions one user may have; creating one more ends their oldest. Default: no cap. */
  maxSessionsPerUser?: number;
  /** Clock in epoch ms; inject one in tests. */
  now?: () => number;
}

interface Statements {
  get: Statement;
  create: Statement;
  touch: Statement;
  destroy: Statement;
  listByUser: Statement;
  destroyByUser: Statement;
  count: Statement;
  prune: Statement;
  capUser: Statement;
}

const STORE = 'SqliteStore';
/** Update statements for up to this many set / deleted keys are cached; bigger ones are prepared per call. */
const CACHED_SHAPE_LIMIT = 16;

export class SqliteStore implements Store {
  readonly codec = jsonCodec;
  /** The manager adds no timer of its own: in-process; busy_timeout bounds lock waits. */
  readonly boundsLatency = true;
  readonly table: string;
  /** The driver in use: 'better-sqlite3' or 'node:sqlite'. */
  readonly driver: SqliteDriverName;
  readonly #db: SqliteDatabase;
  readonly #ownsDb: boolean;
  readonly #createTable: boolean;
  readonly #now: () => number;
  readonly #prune: { batchSize: number; maxBatches: number };
  /** The cap on a user's live sessions this store enforces at create, if any. */
  readonly maxSessionsPerUser: number | undefined;
  #statements: Statements | undefined;
  readonly #updates = new Map<string, Statement>();
  #closed = false;

  constructor(options: SqliteStoreOptions) {
    if (!options || (options.path === undefined) === (options.database === undefined)) {
      throw new SessionError(
        'invalid-option',
        `${STORE}: pass exactly one of { path: './data/sessions.db' } or { database: new Database(file) }`,
      );
    }
    this.table = tableName(STORE, options.table, false);
    this.#createTable = options.createTable ?? true;
    this.#now = options.now ?? Date.now;
    this.#prune = {
      batchSize: positiveInteger(STORE, 'pruneBatchSize', options.pruneBatchSize, 500),
      maxBatches: positiveInteger(STORE, 'pruneMaxBatches', options.pruneMaxBatches, 100),
    };
    this.maxSessionsPerUser = optionalPositiveInteger(STORE, 'maxSessionsPerUser', options.maxSessionsPerUser);
    const busyTimeout = positiveInteger(STORE, 'busyTimeout', options.busyTimeout, 5000);
    const driver = options.driver ?? 'auto';
    if (driver !== 'auto' && driver !== 'better-sqlite3' && driver !== 'node:sqlite') {
      throw new SessionError(
        'invalid-option',
        `${STORE}: driver must be 'auto', 'better-sqlite3' or 'node:sqlite' (got ${String(driver)})`,
        { details: { option: 'driver' } },
      );
    }
    const connection = options.database ? connectionOf(options.database) : openSqlite(options.path as string, driver);
    this.#db = connection.db;
    this.driver = connection.driver;
    this.#ownsDb = !options.database;
    this.#db.exec(`PRAGMA busy_timeout = ${busyTimeout}`);
  }

  // The five contract methods answer at once (typed MaybePromise so subclasses may wait):
  // both drivers are synchronous, so the manager serves a request without a promise.

  get(key: string): MaybePromise<SessionRecord | undefined> {
    return this.#run('get', (s) => {
      const now = this.#now();
      const row = s.get.get(key, now, now) as SessionRow | undefined;
      return row && recordOf(row, JSON.parse(row.data as string));
    });
  }

  create(key: string, record: SessionRecord): MaybePromise<boolean> {
    return this.#run('create', (s) => {
      const now = this.#now();
      const created = Number(s.create.run(...rowValues(key, record), now, now).changes) > 0;
      if (created && record.userId !== undefined) this.#enforceCap(s, key, record.userId, now);
      return created;
    });
  }

  update(key: string, record: SessionRecord, change: Change): MaybePromise<boolean> {
    return this.#run('update', (s) => {
      const now = this.#now();
      const { statement, values } = this.#updateFor(record, change);
      values.push(record.userId ?? null, record.lastSeenAt, record.expiresAt, record.persistent ? 1 : 0);
      values.push(clientText(record), key, now, now);
      const updated = Number(statement.run(...values).changes) > 0;
      if (updated && record.userId !== undefined) this.#enforceCap(s, key, record.userId, now);
      return updated;
    });
  }

  touch(key: string, expiresAt: number, lastSeenAt: number): MaybePromise<boolean> {
    return this.#run('touch', (s) => {
      const now = this.#now();
      return Number(s.touch.run(expiresAt, lastSeenAt, key, now, now).changes) > 0;
    });
  }

  destroy(key: string): MaybePromise<boolean> {
    return this.#run('destroy', (s) => Number(s.destroy.run(key).changes) > 0);
  }

  async listByUser(userId: string): Promise<SessionInfo[]> {
    return this.#run('listByUser', (s) => {
      const now = this.#now();
      return (s.listByUser.all(userId, now, now) as SessionRow[]).map(infoOf);
    });
  }

  async destroyByUser(userId: string, exceptKey?: string): Promise<number> {
    return this.#run('destroyByUser', (s) => {
      const now = this.#now();
      const except = exceptKey ?? null;
      return Number(s.destroyByUser.run(userId, now, now, except, except).changes);
    });
  }

  async count(): Promise<number> {
    return this.#run('count', (s) => {
      const now = this.#now();
      return Number((s.count.get(now, now) as { n: number | bigint }).n);
    });
  }

  async prune(): Promise<number> {
    const s = await this.#run('prune', (statements) => statements);
    return pruneInBatches(this.#prune, (limit) =>
      this.#runSync('prune', () => (this.#closed ? 0 : Number(s.prune.run(this.#now(), limit).changes))),
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ownsDb) this.#db.close();
  }

  /** Runs one operation synchronously; any error becomes a SessionError. */
  #run<R>(operation: string, body: (s: Statements) => R): R {
    return this.#runSync(operation, () => body(this.#prepared()));
  }

  #runSync<R>(operation: string, body: () => R): R {
    if (this.#closed) throw new SessionError('store-unavailable', `${STORE} is closed (during ${operation})`);
    try {
      return body();
    } catch (error) {
      throw sqlError(error, operation, 'sqlite', this.table);
    }
  }

  /** Prepares the fixed statements once, on first use (creating the table first if allowed). */
  #prepared(): Statements {
    if (this.#statements) return this.#statements;
    const t = this.table;
    if (this.#createTable) {
      inTransaction(this.#db, () => {
        for (const statement of sqliteSchema(t)) this.#db.exec(statement);
      });
    }
    const live = 'expires_at > ? AND deadline > ?';
    const upsertSet = RECORD_COLUMNS.split(', ')
      .map((column) => `${column} = excluded.${column}`)
      .join(', ');
    this.#statements = {
      get: this.#db.prepare(`SELECT ${RECORD_COLUMNS} FROM ${t} WHERE id = ? AND ${live}`),
      // Create-only, except that an expired row with this key may be replaced.
      create: this.#db.prepare(
        `INSERT INTO ${t} (${INSERT_COLUMNS}) VALUES (?, json(?), ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET ${upsertSet} WHERE ${t}.expires_at <= ? OR ${t}.deadline <= ?`,
      ),
      touch: this.#db.prepare(`UPDATE ${t} SET expires_at = ?, last_seen_at = ? WHERE id = ? AND ${live}`),
      destroy: this.#db.prepare(`DELETE FROM ${t} WHERE id = ?`),
      listByUser: this.#db.prepare(
        `SELECT id, user_id, created_at, last_seen_at, expires_at, client FROM ${t}
         WHERE user_id = ? AND ${live} ORDER BY created_at, id`,
      ),
      destroyByUser: this.#db.prepare(`DELETE FROM ${t} WHERE user_id = ? AND ${live} AND (? IS NULL OR id <> ?)`),
      count: this.#db.prepare(`SELECT count(*) AS n FROM ${t} WHERE ${live}`),
      prune: this.#db.prepare(
        `DELETE FROM ${t} WHERE id IN (SELECT id FROM ${t} WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)`,
      ),
      // Keeps `key` and the user's newest (cap - 1) other live sessions; ends the rest.
      capUser: this.#db.prepare(
        `DELETE FROM ${t} WHERE id IN (
           SELECT id FROM ${t} WHERE user_id = ? AND id <> ? AND ${live}
           ORDER BY created_at DESC, id DESC LIMIT -1 OFFSET ?)`,
      ),
    };
    return this.#statements;
  }

  #enforceCap(s: Statements, key: string, userId: string, now: number): void {
    if (this.maxSessionsPerUser !== undefined) s.capUser.run(userId, key, now, now, this.maxSessionsPerUser - 1);
  }

  /**
   * The UPDATE for one change: data = json_set(json_remove(data, deleted...), set...),
   * cached by shape (how many keys set / deleted, flash or not) so it is prepared once.
   * Returns the statement and the values for its data and flash parts.
   */
  #updateFor(record: SessionRecord, change: Change): { statement: Statement; values: unknown[] } {
    const values: unknown[] = [];
    let shape: string;
    if (change.cleared) {
      shape = 'c';
      values.push(JSON.stringify(record.data));
    } else {
      shape = `${change.deleted.size}:${change.set.size}`;
      for (const field of change.deleted) values.push(jsonPath(field));
      for (const [field, value] of change.set) values.push(jsonPath(field), JSON.stringify(value));
    }
    if (change.flash) {
      shape += 'f';
      values.push(flashText(record));
    }
    let statement = this.#updates.get(shape);
    if (!statement) {
      statement = this.#db.prepare(updateSql(this.table, change));
      const small = change.deleted.size <= CACHED_SHAPE_LIMIT && change.set.size <= CACHED_SHAPE_LIMIT;
      if (change.cleared || small) this.#updates.set(shape, statement);
    }
    return { statement, values };
  }
}

function updateSql(table: string, change: Change): string {
  let data: string;
  if (change.cleared) data = 'json(?)';
  else {
    data = 'data';
    if (change.deleted.size > 0) data = `json_remove(${data}${', ?'.repeat(change.deleted.size)})`;
    for (let i = 0; i < change.set.size; i++) data = `json_set(${data}, ?, json(?))`;
  }
  const flash = change.flash ? ', flash = ?' : '';
  return `UPDATE ${table} SET data = ${data}${flash}, user_id = ?, last_seen_at = ?, expires_at = ?, persistent = ?,
    client = ? WHERE id = ? AND expires_at > ? AND deadline > ?`;
}

function rowValues(key: string, record: SessionRecord): unknown[] {
  return [
    key,
    JSON.stringify(record.data),
    flashText(record),
    record.userId ?? null,
    record.createdAt,
    record.lastSeenAt,
    record.expiresAt,
    record.deadline,
    record.persistent ? 1 : 0,
    clientText(record),
  ];
}
