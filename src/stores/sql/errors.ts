/**
 * Turns driver errors into SessionErrors a caller can branch on. A missing table or
 * column becomes 'store-schema' with a message that says how to create it, never a bare
 * "relation does not exist".
 */
import { SessionError, toStoreError } from '../../core/errors.js';

export type Dialect = 'sqlite' | 'postgres' | 'mysql';

const MISSING_TABLE: Record<Dialect, (error: DriverError) => boolean> = {
  sqlite: (e) => typeof e.message === 'string' && /no such (table|column)|has no column named/.test(e.message),
  // 42P01 undefined_table, 42703 undefined_column, 3F000 invalid_schema_name
  postgres: (e) => e.code === '42P01' || e.code === '42703' || e.code === '3F000',
  // ER_NO_SUCH_TABLE, ER_BAD_FIELD_ERROR
  mysql: (e) => e.errno === 1146 || e.errno === 1054,
};

type DriverError = { code?: unknown; errno?: unknown; errcode?: unknown; message?: unknown };

/** SQLITE_BUSY (5) and SQLITE_LOCKED (6), with their extended codes (the low byte is the primary one). */
function sqliteBusy(e: DriverError): boolean {
  // better-sqlite3 names the code ('SQLITE_BUSY_SNAPSHOT'); node:sqlite gives the number as errcode.
  if (typeof e.code === 'string' && /^SQLITE_(BUSY|LOCKED)/.test(e.code)) return true;
  return typeof e.errcode === 'number' && ((e.errcode & 0xff) === 5 || (e.errcode & 0xff) === 6);
}

const TIMEOUT: Record<Dialect, (error: DriverError) => boolean> = {
  sqlite: sqliteBusy,
  // 57014 query_canceled (statement_timeout); pg's own client-side read timeout
  postgres: (e) => e.code === '57014' || e.message === 'Query read timeout',
  // mysql2's own query timeout, a connect timeout, ER_LOCK_WAIT_TIMEOUT
  mysql: (e) => e.code === 'PROTOCOL_SEQUENCE_TIMEOUT' || e.code === 'ETIMEDOUT' || e.errno === 1205,
};

export function howToCreate(dialect: Dialect, table: string): string {
  const file = `node_modules/sessionkit/sql/${dialect}.sql`;
  const option = dialect === 'sqlite' ? '' : ', or pass { createTable: true } to let the store create it';
  return `run \`npx sessionkit migrate <database url> --table ${table}\` or apply ${file}${option}`;
}

/** Wraps what a driver threw during `operation` into a SessionError. */
export function sqlError(error: unknown, operation: string, dialect: Dialect, table: string): SessionError {
  if (error instanceof SessionError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as DriverError;
  const reason = typeof e.message === 'string' ? e.message : String(error);
  if (MISSING_TABLE[dialect](e)) {
    return new SessionError(
      'store-schema',
      `session table "${table}" is missing or out of date (${reason}); ${howToCreate(dialect, table)}`,
      { cause: error, details: { operation, table } },
    );
  }
  if (TIMEOUT[dialect](e)) {
    return new SessionError('store-timeout', `session store did not answer ${operation} in time: ${reason}`, {
      cause: error,
      details: { operation },
    });
  }
  return toStoreError(error, operation);
}
