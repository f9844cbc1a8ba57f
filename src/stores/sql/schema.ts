/**
 * The session table for each database, as plain statements. The same text is in
 * sql/<dialect>.sql (for teams whose app user may not run DDL) and is what
 * `createTable: true` and `sessionkit migrate` run.
 *
 * Columns: id (the hashed session key), data (a JSON object, changed key by key),
 * flash and client (JSON text written whole), user_id (indexed, for per-user lists),
 * created_at / last_seen_at / expires_at (indexed, for pruning) / deadline in epoch ms,
 * persistent. Concurrency needs no version column: every write is one conditional
 * statement (update-only, create-only) and partial updates are applied by the database.
 */
import type { Dialect } from './errors.js';

/** The last part of a possibly schema-qualified name, for index names. */
const baseName = (table: string) => table.slice(table.lastIndexOf('.') + 1);

export function sqliteSchema(table: string): string[] {
  const base = baseName(table);
  return [
    `CREATE TABLE IF NOT EXISTS ${table} (
  id TEXT PRIMARY KEY NOT NULL,
  data TEXT NOT NULL,
  flash TEXT,
  user_id TEXT,
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  deadline INTEGER NOT NULL,
  persistent INTEGER NOT NULL DEFAULT 0,
  client TEXT
) WITHOUT ROWID`,
    `CREATE INDEX IF NOT EXISTS ${base}_user_id_idx ON ${table} (user_id) WHERE user_id IS NOT NULL`,
    `CREATE INDEX IF NOT EXISTS ${base}_expires_at_idx ON ${table} (expires_at)`,
  ];
}

export function postgresSchema(table: string): string[] {
  const base = baseName(table);
  return [
    `CREATE TABLE IF NOT EXISTS ${table} (
  id text PRIMARY KEY,
  data jsonb NOT NULL,
  flash text,
  user_id text,
  created_at bigint NOT NULL,
  last_seen_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  deadline bigint NOT NULL,
  persistent boolean NOT NULL DEFAULT false,
  client text
)`,
    `CREATE INDEX IF NOT EXISTS ${base}_user_id_idx ON ${table} (user_id) WHERE user_id IS NOT NULL`,
    `CREATE INDEX IF NOT EXISTS ${base}_expires_at_idx ON ${table} (expires_at)`,
  ];
}

export function mysqlSchema(table: string): string[] {
  // utf8mb4_bin: keys are case-sensitive (base64url) and compared byte for byte.
  return [
    `CREATE TABLE IF NOT EXISTS ${table} (
  id VARCHAR(255) NOT NULL,
  data LONGTEXT NOT NULL CHECK (JSON_VALID(data)),
  flash LONGTEXT NULL,
  user_id VARCHAR(255) NULL,
  created_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  deadline BIGINT NOT NULL,
  persistent TINYINT(1) NOT NULL DEFAULT 0,
  client TEXT NULL,
  PRIMARY KEY (id),
  INDEX ${baseName(table)}_user_id_idx (user_id),
  INDEX ${baseName(table)}_expires_at_idx (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
  ];
}

export function schemaFor(dialect: Dialect, table: string): string[] {
  if (dialect === 'sqlite') return sqliteSchema(table);
  if (dialect === 'postgres') return postgresSchema(table);
  return mysqlSchema(table);
}

/** The schema as a .sql file's text. */
export function schemaScript(dialect: Dialect, table = 'sessions'): string {
  return `${schemaFor(dialect, table).join(';\n\n')};\n`;
}
