/** The sql group's peer: express 5 + express-session + better-sqlite3-session-store (same WAL settings as SqliteStore). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
// @ts-expect-error: the package ships no types.
import sqliteStoreFactory from 'better-sqlite3-session-store';
import session from 'express-session';
import { serveExpressSession } from '../lib/express-session-app.js';
import { onStop } from '../lib/on-stop.js';

const dir = mkdtempSync(join(tmpdir(), 'bench-express-sqlite-'));
const db = new Database(join(dir, 'sessions.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
const SqliteStore = sqliteStoreFactory(session);

onStop(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

serveExpressSession(new SqliteStore({ client: db }));
