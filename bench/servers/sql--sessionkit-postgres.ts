/** The sql group's target: node:http + sessionkit/node withSessions + PostgresStore (its own table, dropped on exit). */
import pg from 'pg';
import { PostgresStore } from 'sessionkit/postgres';
import { onStop } from '../lib/on-stop.js';
import { serveSessionkit } from '../lib/sessionkit-server.js';

const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  max: 10,
});
const table = `bench_sessionkit_${process.pid}`;
const store = new PostgresStore({ pool, table, createTable: true });

onStop(async () => {
  await pool.query(`DROP TABLE IF EXISTS ${table}`).catch(() => {});
  await pool.end();
});

// Create the table before saying ready, so the first measured request does not pay for it.
await store.count();
serveSessionkit(store);
