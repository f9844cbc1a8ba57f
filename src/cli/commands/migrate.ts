/**
 * `sessionkit migrate <url>`: creates the session table (and its indexes) for teams
 * whose app user may not run DDL. Idempotent: it only creates what is missing.
 *
 *   npx sessionkit migrate postgres://admin@db/app --table sessions
 *   npx sessionkit migrate mysql://root@db/app
 *   npx sessionkit migrate ./data/sessions.db
 *   npx sessionkit migrate postgres://... --print     # print the SQL, run nothing
 */
import type { Dialect } from '../../stores/sql/errors.js';
import { tableName } from '../../stores/sql/options.js';
import { schemaFor } from '../../stores/sql/schema.js';
import { inTransaction, openSqlite } from '../../stores/sql/sqlite-driver.js';

export const summary = 'create the session table in PostgreSQL, MySQL/MariaDB or an SQLite file';

const USAGE = `usage: sessionkit migrate <database> [--table <name>] [--print]

  <database>   postgres://user@host/db, mysql://user@host/db, or an SQLite file path
               (./data/sessions.db, sqlite:./data/sessions.db)
  --table      table name (default "sessions"; "schema.table" for PostgreSQL and MySQL)
  --print      print the SQL instead of running it
`;

interface Target {
  dialect: Dialect;
  location: string;
}

export function targetOf(database: string): Target {
  if (/^postgres(ql)?:\/\//i.test(database)) return { dialect: 'postgres', location: database };
  if (/^(mysql|mariadb):\/\//i.test(database)) {
    return { dialect: 'mysql', location: database.replace(/^mariadb:/i, 'mysql:') };
  }
  if (/^(sqlite|file):/i.test(database)) {
    // sqlite:./x.db, sqlite:///abs/x.db, file:x.db
    return { dialect: 'sqlite', location: database.replace(/^(sqlite|file):/i, '').replace(/^\/\/(?=\/)/, '') };
  }
  if (/^[a-z][a-z0-9+.-]+:/i.test(database)) {
    throw new Error(`unsupported database URL scheme in ${redact(database)}; use postgres://, mysql:// or a file path`);
  }
  return { dialect: 'sqlite', location: database };
}

/** Hides a password in a URL before it is printed. */
function redact(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
}

export async function run(args: string[]): Promise<number> {
  let database: string | undefined;
  let table = 'sessions';
  let print = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(USAGE);
      return 0;
    }
    if (arg === '--print') print = true;
    else if (arg === '--table') table = args[++i] ?? '';
    else if (arg.startsWith('--table=')) table = arg.slice('--table='.length);
    else if (arg.startsWith('-')) return fail(`unknown option ${arg}`);
    else if (database === undefined) database = arg;
    else return fail(`unexpected argument ${arg}`);
  }
  database ??= process.env.DATABASE_URL;
  if (!database) return fail('give the database URL or file (or set DATABASE_URL)');
  let target: Target;
  let statements: string[];
  try {
    target = targetOf(database);
    table = tableName('migrate', table, target.dialect !== 'sqlite');
    statements = schemaFor(target.dialect, table);
  } catch (error) {
    return fail((error as Error).message);
  }
  if (print) {
    process.stdout.write(`${statements.join(';\n\n')};\n`);
    return 0;
  }
  try {
    await apply(target, statements);
  } catch (error) {
    return fail(`could not create ${table} in ${redact(database)}: ${(error as Error).message}`);
  }
  process.stdout.write(`session table ${table} is ready in ${redact(database)} (${target.dialect})\n`);
  return 0;
}

async function apply({ dialect, location }: Target, statements: string[]): Promise<void> {
  if (dialect === 'postgres') {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: location, connectionTimeoutMillis: 10_000 });
    await client.connect();
    try {
      for (const statement of statements) await client.query(statement);
    } finally {
      await client.end();
    }
  } else if (dialect === 'mysql') {
    const { default: mysql } = await import('mysql2/promise');
    const connection = await mysql.createConnection({ uri: location, connectTimeout: 10_000 });
    try {
      for (const statement of statements) await connection.query(statement);
    } finally {
      await connection.end();
    }
  } else {
    const { db } = openSqlite(location, 'auto');
    try {
      inTransaction(db, () => {
        for (const statement of statements) db.exec(statement);
      });
    } finally {
      db.close();
    }
  }
}

function fail(message: string): number {
  process.stderr.write(`sessionkit migrate: ${message}\n\n${USAGE}`);
  return 1;
}
