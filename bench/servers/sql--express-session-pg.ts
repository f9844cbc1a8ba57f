/** The sql group's peer: express 5 + express-session + connect-pg-simple (its own table, dropped on exit). */
// @ts-expect-error: the package ships no types.
import connectPgSimple from 'connect-pg-simple';
import session from 'express-session';
import pg from 'pg';
import { serveExpressSession } from '../lib/express-session-app.js';
import { onStop } from '../lib/on-stop.js';

const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  max: 10,
});
const tableName = `bench_connect_pg_${process.pid}`;
const PgStore = connectPgSimple(session);

onStop(async () => {
  await pool.query(`DROP TABLE IF EXISTS ${tableName}`).catch(() => {});
  await pool.end();
});

serveExpressSession(new PgStore({ pool, tableName, createTableIfMissing: true }));
