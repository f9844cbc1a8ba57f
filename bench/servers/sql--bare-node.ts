/**
 * Baseline for the sql group: node:http with no session library, keeping each client's
 * count in SQLite (WAL, prepared statements) under a random cookie id. The same work
 * shape as a session server, done the simplest way, so the ratio shows what the session
 * library costs on top of the database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { serveBareNode } from '../lib/bare-node-app.js';
import { onStop } from '../lib/on-stop.js';

const dir = mkdtempSync(join(tmpdir(), 'bench-bare-sqlite-'));
const db = new Database(join(dir, 'counts.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec('CREATE TABLE counts (id TEXT PRIMARY KEY, count INTEGER NOT NULL) WITHOUT ROWID');
const insert = db.prepare('INSERT INTO counts (id, count) VALUES (?, 0)');
const read = db.prepare('SELECT count FROM counts WHERE id = ?').pluck();
const increment = db.prepare('UPDATE counts SET count = count + 1 WHERE id = ? RETURNING count').pluck();

onStop(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

serveBareNode({
  create: (id) => void insert.run(id),
  read: (id) => read.get(id) as number | undefined,
  // One statement: the database adds one and returns the new count.
  increment: (id) => increment.get(id) as number | undefined,
});
