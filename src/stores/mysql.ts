/**
 * MysqlStore: sessions in a MariaDB (10.5+) or MySQL (8.0+) table through a mysql2 pool
 * you pass. Data is a JSON document changed key by key with JSON_SET / JSON_REMOVE, so
 * concurrent requests changing different keys both keep their change; writes are
 * update-only / create-only, and writes to one session that overlap go as one (docs/sql-stores.md,
 * "Requests of one session at once"); pruning runs bounded `DELETE ... LIMIT` batches, which
 * several app instances can run at once.
 *
 *   const pool = mysql.createPool({ uri: process.env.MYSQL_URL });
 *   const sessions = createSessions({ store: new MysqlStore({ pool, createTable: true }) });
 */
import type { Pool as CallbackPool } from 'mysql2';
import type { Pool as PromisePool, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { jsonCodec } from '../core/codec.js';
import { SessionError, withTimeout } from '../core/errors.js';
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
import { mysqlSchema } from './sql/schema.js';
import { type SessionWrite, SessionWrites } from './sql/session-write.js';

export interface MysqlStoreOptions {
  /** A mysql2 pool: from `mysql2/promise` or `mysql2` (its promise() side is used). Never ended by close(). */
  pool: PromisePool | CallbackPool;
  /** Table name, optionally database-qualified ('app.sessions'). Default 'sessions'. */
  table?: string;
  /** Create the table on first use. Default false (use `npx sessionkit migrate` or sql/mysql.sql). */
  createTable?: boolean;
  /**
   * Longest wait (ms) for one operation, connecting included, before a 'store-timeout' error. Default 5000.
   * A write merged into the next one to its session may also wait for the write in flight: up to twice this.
   */
  timeout?: number;
  /** Expired rows deleted per prune statement. Default 1000. */
  pruneBatchSize?: number;
  /** Prune statements per prune() call. Default 100. */
  pruneMaxBatches?: number;
  /** Most live sessions one user may have; creating one more ends their oldest. Default: no cap. */
  maxSessionsPerUser?: number;
  /** Clock in epoch ms; inject one in tests. */
  now?: () => number;
}

const STORE = 'MysqlStore';
const ER_LOCK_DEADLOCK = 1213;
const ER_DUP_ENTRY = 1062;
const LIVE = 'expires_at > ? AND deadline > ?';

export class MysqlStore implements Store {
  readonly codec = jsonCodec;
  /** The manager adds no timer of its own: every call carries its own timeout. */
  readonly boundsLatency = true;
  readonly table: string;
  readonly #pool: PromisePool;
  readonly #createTable: boolean;
  readonly #timeout: number;
  readonly #now: () => number;
  readonly #prune: { batchSize: number; maxBatches: number };
  /** The cap on a user's live sessions this store enforces at create, if any. */
  readonly maxSessionsPerUser: number | undefined;
  readonly #sql: ReturnType<typeof statements>;
  /** Writes to a session while another is in flight wait and go as one (sql/coalesce.ts). */
  readonly #writes = new SessionWrites(JSON.stringify, (key, write) => this.#write(key, write));
  #schemaReady: Promise<void> | undefined;
  #closed = false;

  constructor(options: MysqlStoreOptions) {
    const pool = options?.pool as (PromisePool & { promise?: () => PromisePool }) | undefined;
    if (!pool || typeof pool.execute !== 'function') {
      throw new SessionError('invalid-option', `${STORE}: pass { pool: mysql.createPool({ uri }) } (mysql2/promise)`);
    }
    // A callback pool offers promise(); a promise pool wraps one and does not.
    this.#pool = typeof pool.promise === 'function' ? pool.promise() : pool;
    this.table = tableName(STORE, options.table, true);
    this.#createTable = options.createTable ?? false;
    this.#timeout = positiveInteger(STORE, 'timeout', options.timeout, 5000);
    this.#now = options.now ?? Date.now;
    this.#prune = {
      batchSize: positiveInteger(STORE, 'pruneBatchSize', options.pruneBatchSize, 1000),
      maxBatches: positiveInteger(STORE, 'pruneMaxBatches', options.pruneMaxBatches, 100),
    };
    this.maxSessionsPerUser = optionalPositiveInteger(STORE, 'maxSessionsPerUser', options.maxSessionsPerUser);
    this.#sql = statements(this.table, this.maxSessionsPerUser);
  }

  async get(key: string): Promise<SessionRecord | undefined> {
    const now = this.#now();
    const rows = (await this.#execute('get', this.#sql.get, [key, now, now])) as SessionRow[];
    const row = rows[0];
    if (!row) return undefined;
    // MariaDB's JSON is LONGTEXT (a string); MySQL's JSON type arrives parsed.
    const data = typeof row.data === 'string' ? JSON.parse(row.data) : row.data;
    return recordOf(row, data as Record<string, unknown>);
  }

  async create(key: string, record: SessionRecord): Promise<boolean> {
    const values = [
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
    const now = this.#now();
    // Plain INSERT; only when the key exists, clear it if it has expired and try once more.
    let created = await this.#insert(values);
    if (!created) {
      const cleared = (await this.#execute('create', this.#sql.deleteExpired, [key, now, now])) as ResultSetHeader;
      if (cleared.affectedRows > 0) created = await this.#insert(values);
    }
    if (created && record.userId !== undefined) await this.#enforceCap(key, record.userId, now);
    return created;
  }

  update(key: string, record: SessionRecord, change: Change): Promise<boolean> {
    return this.#writes.update(key, record, change);
  }

  touch(key: string, expiresAt: number, lastSeenAt: number): Promise<boolean> {
    return this.#writes.touch(key, expiresAt, lastSeenAt);
  }

  /** One UPDATE for one or more coalesced updates and touches of a session. */
  async #write(key: string, write: SessionWrite): Promise<boolean> {
    const now = this.#now();
    const record = write.record;
    if (record === undefined) {
      const values = [write.expiresAt, write.lastSeenAt, key, now, now];
      return matchedRows((await this.#execute('touch', this.#sql.touch, values)) as ResultSetHeader) > 0;
    }
    const values: unknown[] = [];
    let data: string;
    if (write.cleared) {
      data = '?';
      values.push(write.setText());
    } else {
      data = 'data';
      if (write.deleted.size > 0) data = `JSON_REMOVE(${data}${', ?'.repeat(write.deleted.size)})`;
      for (const field of write.deleted) values.push(jsonPath(field));
      for (const [field, text] of write.set) {
        data = `JSON_SET(${data}, ?, JSON_EXTRACT(?, '$'))`;
        values.push(jsonPath(field), text);
      }
    }
    let flash = '';
    if (write.flash !== undefined) {
      flash = ', flash = ?';
      values.push(write.flash);
    }
    values.push(record.userId ?? null, write.lastSeenAt, write.expiresAt, record.persistent ? 1 : 0);
    values.push(clientText(record), key, now, now);
    // The text depends only on the change's shape; mysql2 prepares each text once per connection.
    const sql = `UPDATE ${this.table} SET data = ${data}${flash}, user_id = ?, last_seen_at = ?, expires_at = ?,
      persistent = ?, client = ? WHERE id = ? AND ${LIVE}`;
    const updated = matchedRows((await this.#execute('update', sql, values)) as ResultSetHeader) > 0;
    if (updated && record.userId !== undefined) await this.#enforceCap(key, record.userId, now);
    return updated;
  }

  async destroy(key: string): Promise<boolean> {
    return ((await this.#execute('destroy', this.#sql.destroy, [key])) as ResultSetHeader).affectedRows > 0;
  }

  async listByUser(userId: string): Promise<SessionInfo[]> {
    const now = this.#now();
    return ((await this.#execute('listByUser', this.#sql.listByUser, [userId, now, now])) as SessionRow[]).map(infoOf);
  }

  async destroyByUser(userId: string, exceptKey?: string): Promise<number> {
    const now = this.#now();
    const except = exceptKey ?? null;
    const values = [userId, now, now, except, except];
    return ((await this.#execute('destroyByUser', this.#sql.destroyByUser, values)) as ResultSetHeader).affectedRows;
  }

  async count(): Promise<number> {
    const now = this.#now();
    return Number(((await this.#execute('count', this.#sql.count, [now, now])) as Array<{ n: number }>)[0]?.n ?? 0);
  }

  async prune(): Promise<number> {
    return pruneInBatches(this.#prune, async (limit) => {
      const sql = `${this.#sql.prune} LIMIT ${limit}`;
      // Two instances pruning at once can deadlock on InnoDB's range locks; the loser's batch
      // was rolled back, so it simply runs again.
      for (let attempt = 1; ; attempt++) {
        if (this.#closed) return 0;
        try {
          return ((await this.#execute('prune', sql, [this.#now()])) as ResultSetHeader).affectedRows;
        } catch (error) {
          const errno = (error as { cause?: { errno?: number } }).cause?.errno;
          if (errno !== ER_LOCK_DEADLOCK || attempt >= 3) throw error;
        }
      }
    });
  }

  /** Stops using the pool (which stays open: it is the app's). */
  async close(): Promise<void> {
    this.#closed = true;
  }

  async #insert(values: unknown[]): Promise<boolean> {
    try {
      await this.#execute('create', this.#sql.insert, values, true);
      return true;
    } catch (error) {
      if ((error as { errno?: number }).errno === ER_DUP_ENTRY) return false;
      throw error;
    }
  }

  async #enforceCap(key: string, userId: string, now: number): Promise<void> {
    if (this.maxSessionsPerUser !== undefined)
      await this.#execute('create', this.#sql.capUser, [userId, key, now, now]);
  }

  #ensureSchema(): Promise<void> {
    if (!this.#createTable) return Promise.resolve();
    this.#schemaReady ??= (async () => {
      for (const statement of mysqlSchema(this.table))
        await this.#pool.query({ sql: statement, timeout: this.#timeout });
    })().catch((error: unknown) => {
      this.#schemaReady = undefined;
      throw error;
    });
    return this.#schemaReady;
  }

  /** Runs one prepared statement; `raw` leaves a duplicate-key error for the caller to read. */
  async #execute(operation: string, sql: string, values: unknown[], raw = false): Promise<unknown> {
    if (this.#closed) throw new SessionError('store-unavailable', `${STORE} is closed (during ${operation})`);
    try {
      const run = async () => {
        await this.#ensureSchema();
        const [result] = await this.#pool.execute<RowDataPacket[] | ResultSetHeader>(
          { sql, timeout: this.#timeout },
          values as never,
        );
        return result;
      };
      return await withTimeout(run(), this.#timeout, operation);
    } catch (error) {
      if (raw && (error as { errno?: number }).errno === ER_DUP_ENTRY) throw error;
      throw sqlError(error, operation, 'mysql', this.table);
    }
  }
}

/**
 * Rows an UPDATE matched. mysql2 asks for "found rows" by default, so affectedRows counts
 * matched rows; a pool opened without that flag reports changed rows, so read the info text.
 */
function matchedRows(result: ResultSetHeader): number {
  const matched = /Rows matched: (\d+)/.exec(result.info ?? '');
  return matched ? Number(matched[1]) : result.affectedRows;
}

function statements(t: string, cap: number | undefined) {
  return {
    get: `SELECT ${RECORD_COLUMNS} FROM ${t} WHERE id = ? AND ${LIVE}`,
    insert: `INSERT INTO ${t} (${INSERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    deleteExpired: `DELETE FROM ${t} WHERE id = ? AND (expires_at <= ? OR deadline <= ?)`,
    touch: `UPDATE ${t} SET expires_at = ?, last_seen_at = ? WHERE id = ? AND ${LIVE}`,
    destroy: `DELETE FROM ${t} WHERE id = ?`,
    listByUser: `SELECT id, user_id, created_at, last_seen_at, expires_at, client FROM ${t}
      WHERE user_id = ? AND ${LIVE} ORDER BY created_at, id`,
    destroyByUser: `DELETE FROM ${t} WHERE user_id = ? AND ${LIVE} AND (? IS NULL OR id <> ?)`,
    count: `SELECT COUNT(*) AS n FROM ${t} WHERE ${LIVE}`,
    // A bounded DELETE: each batch holds its locks briefly; concurrent pruners just share rows.
    prune: `DELETE FROM ${t} WHERE expires_at <= ? ORDER BY expires_at`,
    // Keeps `key` and the user's newest (cap - 1) other live sessions. The derived table
    // lets MariaDB read the table it deletes from, and LIMIT inside IN.
    capUser: `DELETE FROM ${t} WHERE id IN (SELECT id FROM (
      SELECT id FROM ${t} WHERE user_id = ? AND id <> ? AND ${LIVE}
      ORDER BY created_at DESC, id DESC LIMIT 18446744073709551615 OFFSET ${(cap ?? 1) - 1}) AS extra)`,
  };
}
