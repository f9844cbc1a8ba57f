/** The sql group's target: node:http + sessionkit/node withSessions + SqliteStore (a fresh temp file, WAL). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from 'sessionkit/sqlite';
import { onStop } from '../lib/on-stop.js';
import { serveSessionkit } from '../lib/sessionkit-server.js';

const dir = mkdtempSync(join(tmpdir(), 'bench-sessionkit-sqlite-'));
const store = new SqliteStore({ path: join(dir, 'sessions.db') });

onStop(() => store.close().finally(() => rmSync(dir, { recursive: true, force: true })));

serveSessionkit(store);
