-- sessionkit session table for SQLite (3.38+). SqliteStore creates it itself unless createTable: false.
-- Rename "sessions" if you pass another table name. Times are epoch milliseconds.

CREATE TABLE IF NOT EXISTS sessions (
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
) WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS sessions_user_id_idx ON sessions (user_id) WHERE user_id IS NOT NULL;

CREATE INDEX IF NOT EXISTS sessions_expires_at_idx ON sessions (expires_at);
