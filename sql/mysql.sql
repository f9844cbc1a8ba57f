-- sessionkit session table for MariaDB (10.5+) / MySQL (8.0+). Apply with: mysql app < sql/mysql.sql
-- or run: npx sessionkit migrate "mysql://user@host/app". Rename "sessions" if you pass another table name.

CREATE TABLE IF NOT EXISTS sessions (
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
  INDEX sessions_user_id_idx (user_id),
  INDEX sessions_expires_at_idx (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
