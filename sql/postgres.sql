-- sessionkit session table for PostgreSQL (12+). Apply with: psql "$DATABASE_URL" -f sql/postgres.sql
-- or run: npx sessionkit migrate "$DATABASE_URL". Rename "sessions" if you pass another table name.

CREATE TABLE IF NOT EXISTS sessions (
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
);

CREATE INDEX IF NOT EXISTS sessions_user_id_idx ON sessions (user_id) WHERE user_id IS NOT NULL;

CREATE INDEX IF NOT EXISTS sessions_expires_at_idx ON sessions (expires_at);
