/**
 * PostgresStore: sessions in a PostgreSQL table through a `pg` Pool you pass. Data is
 * jsonb and changed key by key (`(data - deleted) || set`), so concurrent requests
 * changing different keys both keep their change; writes are single conditional
 * statements (update-only, create-only), and writes to one session that overlap go as one
 * (docs/sql-stores.md, "Requests of one session at once"); pruning deletes bounded batches with
 * FOR UPDATE SKIP LOCKED so several app instances can prune at once.
 *
 *   const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 *   const sessions = createSessions({ store: new PostgresStore({ pool, createTable: true }) });
 */
import type { Pool, QueryResult } from 'pg';
import { jsonCodec } from '../core/codec.js';
import { SessionError, withTimeout } from '../core/errors.js';
import type { Change, SessionInfo, SessionRecord, Store } from '../core/store.js';
import { sqlError } from './sql/errors.js';
import { fromJsonbText, toJsonbKey, toJsonbText } from './sql/jsonb-nul.js';
import { optionalPositiveInteger, positiveInteger, tableName } from './sql/options.js';
import { pruneInBatches } from './sql/prune.js';
import { clientText, flashText, INSERT_COLUMNS, infoOf, RECORD_COLUMNS, recordOf, type SessionRow } from './sql/row.js';
import { postgresSchema } from './sql/schema.js';
import { type SessionWrite, SessionWrites } from './sql/session-write.js';

export interface PostgresStoreOptions {
  /** A pg Pool (or anything with its query method). Never ended by close(). */
  pool: Pick<Pool, 'query'> & Partial<Pick<Pool, 'on' | 'listenerCount'>>;
  /** Table name, optionally schema-qualified ('auth.sessions'). Default 'sessions'. */
  table?: string;
  /**
   * Create the table and its indexes on first use. Default false: production app users
   * often may not run DDL; use `npx sessionkit migrate` or sql/postgres.sql instead.
   */
  createTable?: boolean;
  /**
   * Longest wait (ms) for one operation, connecting included, before a 'store-timeout'
   * error. Default 5000. A write merged into the next one to its session may also wait for
   * the write in flight: up to twice this.
   */
  timeout?: number;
  /**
   * Which writes wait for PostgreSQL to flush its log before answering.
   * 'all' (default): every write waits (PostgreSQL's own durability; nothing is lost).
   * 'lifecycle' (opt-in speed-up): create, destroy, destroyByUser and the per-user cap wait, so a
   * login, logout or revocation survives even a database crash; update, touch and prune
   * commit asynchronously (synchronous_commit = off for that statement only), so a
   * database crash, never an app crash, may lose the last fraction of a second of data
   * changes and expiry slides. Many times faster when requests write the same session.
   */
  synchronousCommit?: 'lifecycle' | 'all';
  /** Expired rows deleted per prune statement. Default 1000. */
  pruneBatchSize?: number;
  /** Prune statements per prune() call. Default 100. */
  pruneMaxBatches?: number;
  /** Most live sessions one user may have; creating one more ends their oldest. Default: no cap. */
  maxSessionsPerUser?: number;
  /** Clock in epoch ms; inject one in tests. */
  now?: () => number;
}

const STORE = 'PostgresStore';
type Sql = { name: string; text: string };
type Operation =
  | 'get'
  | 'create'
  | 'update'
  | 'touch'
  | 'destroy'
  | 'listByUser'
  | 'destroyByUser'
  | 'count'
  | 'prune'
  | 'capUser';

export class PostgresStore implements Store {
  readonly codec = jsonCodec;
  /** The manager adds no timer of its own: every call carries its own timeout. */
  readonly boundsLatency = true;
  readonly table: string;
  readonly #pool: PostgresStoreOptions['pool'];
  readonly #createTable: boolean;
  readonly #timeout: number;
  readonly #now: () => number;
  readonly #prune: { batchSize: number; maxBatches: number };
  /** The cap on a user's live sessions this store enforces at create, if any. */
  readonly maxSessionsPerUser: number | undefined;
  readonly #sql: Record<Operation, Sql>;
  /** Writes to a session while another is in flight wait and go as one (sql/coalesce.ts). */
  readonly #writes = new SessionWrites(toJsonbText, (key, write) => this.#write(key, write));
  #schemaReady: Promise<void> | undefined;
  #closed = false;

  constructor(options: PostgresStoreOptions) {
    if (!options?.pool || typeof options.pool.query !== 'function') {
      throw new SessionError('invalid-option', `${STORE}: pass { pool: new pg.Pool({ connectionString }) }`);
    }
    this.#pool = options.pool;
    this.table = tableName(STORE, options.table, true);
    this.#createTable = options.createTable ?? false;
    this.#timeout = positiveInteger(STORE, 'timeout', options.timeout, 5000);
    this.#now = options.now ?? Date.now;
    this.#prune = {
      batchSize: positiveInteger(STORE, 'pruneBatchSize', options.pruneBatchSize, 1000),
      maxBatches: positiveInteger(STORE, 'pruneMaxBatches', options.pruneMaxBatches, 100),
    };
    this.maxSessionsPerUser = optionalPositiveInteger(STORE, 'maxSessionsPerUser', options.maxSessionsPerUser);
    const commit = options.synchronousCommit ?? 'all';
    if (commit !== 'lifecycle' && commit !== 'all') {
      throw new SessionError(
        'invalid-option',
        `${STORE}: synchronousCommit must be 'lifecycle' or 'all' (got ${String(commit)})`,
      );
    }
    this.#sql = statements(this.table, commit === 'lifecycle');
    // An idle pooled connection that the server drops makes the pool emit 'error'; with no
    // listener that would crash the process. Only when the app has not attached its own.
    const pool = options.pool;
    if (typeof pool.on === 'function' && pool.listenerCount?.('error') === 0) pool.on('error', () => {});
  }

  async get(key: string): Promise<SessionRecord | undefined> {
    const now = this.#now();
    const { rows } = await this.#query('get', [key, now]);
    const row = rows[0] as SessionRow | undefined;
    return row && recordOf(row, fromJsonbText(row.data as string) as Record<string, unknown>);
  }

  async create(key: string, record: SessionRecord): Promise<boolean> {
    const now = this.#now();
    const values = [
      key,
      toJsonbText(record.data),
      flashText(record),
      record.userId ?? null,
      record.createdAt,
      record.lastSeenAt,
      record.expiresAt,
      record.deadline,
      record.persistent === true,
      clientText(record),
      now,
    ];
    const created = (await this.#query('create', values)).rowCount === 1;
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
      return (await this.#query('touch', [write.expiresAt, write.lastSeenAt, key, now])).rowCount === 1;
    }
    const values = [
      write.cleared,
      write.setText(toJsonbKey),
      [...write.deleted].map(toJsonbKey),
      write.flash !== undefined,
      write.flash ?? null,
      record.userId ?? null,
      write.lastSeenAt,
      write.expiresAt,
      record.persistent === true,
      clientText(record),
      key,
      now,
    ];
    const updated = (await this.#query('update', values)).rowCount === 1;
    if (updated && record.userId !== undefined) await this.#enforceCap(key, record.userId, now);
    return updated;
  }

  async destroy(key: string): Promise<boolean> {
    return (await this.#query('destroy', [key])).rowCount === 1;
  }

  async listByUser(userId: string): Promise<SessionInfo[]> {
    const { rows } = await this.#query('listByUser', [userId, this.#now()]);
    return (rows as SessionRow[]).map(infoOf);
  }

  async destroyByUser(userId: string, exceptKey?: string): Promise<number> {
    return (await this.#query('destroyByUser', [userId, this.#now(), exceptKey ?? null])).rowCount ?? 0;
  }

  async count(): Promise<number> {
    const { rows } = await this.#query('count', [this.#now()]);
    return (rows[0] as { n: number }).n;
  }

  async prune(): Promise<number> {
    return pruneInBatches(this.#prune, async (limit) =>
      this.#closed ? 0 : ((await this.#query('prune', [this.#now(), limit])).rowCount ?? 0),
    );
  }

  /** Stops using the pool (which stays open: it is the app's). */
  async close(): Promise<void> {
    this.#closed = true;
  }

  /** Creates the table when allowed; idempotent, and retried after a failure. */
  #ensureSchema(): Promise<void> {
    if (!this.#createTable) return Promise.resolve();
    this.#schemaReady ??= this.#runSchema().catch((error: unknown) => {
      this.#schemaReady = undefined;
      throw error;
    });
    return this.#schemaReady;
  }

  async #runSchema(): Promise<void> {
    const script = postgresSchema(this.table).join(';\n');
    try {
      await this.#pool.query({ text: script, query_timeout: this.#timeout } as never);
    } catch (error) {
      // Two instances creating the same table at once: one wins, the other sees a duplicate; fine.
      const code = (error as { code?: string }).code;
      if (code !== '23505' && code !== '42P07' && code !== '42710') throw error;
    }
  }

  #enforceCap(key: string, userId: string, now: number): Promise<unknown> {
    if (this.maxSessionsPerUser === undefined) return Promise.resolve();
    return this.#query('capUser', [userId, key, now, this.maxSessionsPerUser - 1]);
  }

  async #query(operation: Operation, values: unknown[]): Promise<QueryResult> {
    if (this.#closed) throw new SessionError('store-unavailable', `${STORE} is closed (during ${operation})`);
    const { name, text } = this.#sql[operation];
    try {
      const run = async () => {
        await this.#ensureSchema();
        // query_timeout bounds the query; withTimeout also bounds waiting for a connection.
        return this.#pool.query({ name, text, values, query_timeout: this.#timeout } as never) as Promise<QueryResult>;
      };
      return await withTimeout(run(), this.#timeout, operation);
    } catch (error) {
      throw sqlError(error, operation, 'postgres', this.table);
    }
  }
}

/** The statements, named so pg prepares each once per connection. */
function statements(t: string, asyncUpdates: boolean): Record<Operation, Sql> {
  const live = 'expires_at > $2 AND deadline > $2';
  // set_config(..., true) lasts until the end of the statement's own (implicit) transaction,
  // so only this write skips waiting for the log flush; the pooled connection is unchanged.
  const relaxed = `(SELECT set_config('synchronous_commit', 'off', true)) AS async_commit`;
  const from = asyncUpdates ? `FROM ${relaxed}` : '';
  const using = asyncUpdates ? `USING ${relaxed}` : '';
  const upsert = RECORD_COLUMNS.split(', ')
    .map((column) => `${column} = EXCLUDED.${column}`)
    .join(', ');
  const text = {
    get: `SELECT data::text AS data, ${RECORD_COLUMNS.slice('data, '.length)} FROM ${t} WHERE id = $1 AND ${live}`,
    // Create-only, except that an expired row with this key may be replaced.
    create: `INSERT INTO ${t} AS s (${INSERT_COLUMNS}) VALUES ($1, $2::jsonb, $3, $4, $5, $6, $7, $8, $9, $10)
      ON CONFLICT (id) DO UPDATE SET ${upsert} WHERE s.expires_at <= $11 OR s.deadline <= $11`,
    // Update-only. Under concurrency the second UPDATE waits for the row lock, then
    // applies its change to the row the first one wrote.
    update: `UPDATE ${t} SET
      data = CASE WHEN $1::boolean THEN $2::jsonb ELSE (data - $3::text[]) || $2::jsonb END,
      flash = CASE WHEN $4::boolean THEN $5 ELSE flash END,
      user_id = $6, last_seen_at = $7, expires_at = $8, persistent = $9, client = $10
      ${from} WHERE id = $11 AND expires_at > $12 AND deadline > $12`,
    touch: `UPDATE ${t} SET expires_at = $1, last_seen_at = $2 ${from} WHERE id = $3 AND expires_at > $4 AND deadline > $4`,
    destroy: `DELETE FROM ${t} WHERE id = $1`,
    listByUser: `SELECT id, user_id, created_at, last_seen_at, expires_at, client FROM ${t}
      WHERE user_id = $1 AND ${live} ORDER BY created_at, id`,
    destroyByUser: `DELETE FROM ${t} WHERE user_id = $1 AND ${live} AND ($3::text IS NULL OR id <> $3)`,
    count: `SELECT count(*)::int AS n FROM ${t} WHERE expires_at > $1 AND deadline > $1`,
    // SKIP LOCKED: instances pruning at once take different rows instead of queueing.
    prune: `DELETE FROM ${t} ${using} WHERE id IN (
      SELECT id FROM ${t} WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
    // Keeps `key` and the user's newest (cap - 1) other live sessions; ends the rest.
    capUser: `DELETE FROM ${t} WHERE id IN (
      SELECT id FROM ${t} WHERE user_id = $1 AND id <> $2 AND expires_at > $3 AND deadline > $3
      ORDER BY created_at DESC, id DESC OFFSET $4)`,
  };
  const named = {} as Record<Operation, Sql>;
  for (const [op, sql] of Object.entries(text)) {
    named[op as Operation] = { name: `sessionkit:${t}:${op}${asyncUpdates ? ':async' : ''}`, text: sql };
  }
  return named;
}
