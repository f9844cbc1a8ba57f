/**
 * Opens a session store from a URL, for the CLI and the demo:
 *   ./data/sessions.db | sqlite:./data/sessions.db | sqlite::memory:   SqliteStore (better-sqlite3 or node:sqlite)
 *   redis://host:6379/0 | rediss://...                                  RedisStore (ioredis)
 *   postgres://user@host/db | postgresql://...                          PostgresStore (pg)
 *   mysql://user:pass@host/db                                           MySQL/MariaDB store (mysql2)
 *   memory:                                                             MemoryStore (this process only)
 * Stores and drivers are imported only when asked for, so a missing driver never breaks
 * start-up of anything that does not use it.
 */
import { SessionError } from '../core/errors.js';
import type { Store } from '../core/store.js';

export interface OpenedStore {
  store: Store;
  /** What was opened, without credentials, for logs. */
  description: string;
  /** Closes the store and the connection opened for it. */
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** Create the table on first use (SQL stores). Default true for SQLite, false otherwise. */
  createTable?: boolean;
  /** Cap on live sessions per user, passed to stores that enforce it themselves. */
  maxSessionsPerUser?: number;
}

type Module = Record<string, unknown>;

/** Imports a module by a computed name, turning "not installed" into a message that says what to install. */
async function importOptional(specifier: string, install: string): Promise<Module> {
  try {
    return (await import(specifier)) as Module;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new SessionError('invalid-option', `cannot open this store: ${install}`, { cause: error });
    }
    throw error;
  }
}

const storeModule = (name: string) =>
  importOptional(`../stores/${name}.js`, `sessionkit was built without its ${name} store`);

function classOf(module: Module, preferred: string[]): new (options: object) => Store {
  for (const name of preferred)
    if (typeof module[name] === 'function') return module[name] as new (options: object) => Store;
  const found = Object.entries(module).find(([name, value]) => /Store$/.test(name) && typeof value === 'function');
  if (!found) throw new SessionError('invalid-option', `no store class found among ${Object.keys(module).join(', ')}`);
  return found[1] as new (
    options: object,
  ) => Store;
}

/** The URL with any password replaced, for logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

function capOption(options: OpenStoreOptions): object {
  return options.maxSessionsPerUser ? { maxSessionsPerUser: options.maxSessionsPerUser } : {};
}

export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<OpenedStore> {
  if (typeof url !== 'string' || url.trim() === '') {
    throw new SessionError(
      'invalid-option',
      'a store URL is required: a SQLite file path, redis://, postgres://, mysql:// or memory:',
    );
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'memory') {
    const { MemoryStore } = await import('../stores/memory.js');
    const store = new MemoryStore({ quiet: true });
    return { store, description: 'memory (this process only)', close: async () => {} };
  }
  if (scheme === 'redis' || scheme === 'rediss') {
    const ioredis = await importOptional('ioredis', 'npm install ioredis');
    const Redis = (ioredis.Redis ?? ioredis.default) as new (
      url: string,
      options: object,
    ) => {
      quit(): Promise<unknown>;
      disconnect(): void;
    };
    const client = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: true, lazyConnect: false });
    const RedisStore = classOf(await storeModule('redis'), ['RedisStore']);
    const store = new RedisStore({ client, ...capOption(options) });
    return {
      store,
      description: redactUrl(url),
      close: async () => {
        await store.close?.();
        await client.quit().catch(() => client.disconnect());
      },
    };
  }
  if (scheme === 'postgres' || scheme === 'postgresql') {
    const pg = await importOptional('pg', 'npm install pg');
    const Pool = ((pg.default as Module | undefined)?.Pool ?? pg.Pool) as new (
      options: object,
    ) => { end(): Promise<void> };
    const pool = new Pool({ connectionString: url, max: 5 });
    const PostgresStore = classOf(await storeModule('postgres'), ['PostgresStore']);
    const store = new PostgresStore({ pool, createTable: options.createTable ?? false, ...capOption(options) });
    return {
      store,
      description: redactUrl(url),
      close: async () => {
        await store.close?.();
        await pool.end();
      },
    };
  }
  if (scheme === 'mysql' || scheme === 'mariadb') {
    const mysql = await importOptional('mysql2/promise', 'npm install mysql2');
    const createPool = ((mysql.default as Module | undefined)?.createPool ?? mysql.createPool) as (options: object) => {
      end(): Promise<void>;
    };
    const pool = createPool({ uri: url.replace(/^mariadb:/i, 'mysql:'), connectionLimit: 5 });
    const MysqlStore = classOf(await storeModule('mysql'), ['MysqlStore', 'MySqlStore', 'MySQLStore']);
    const store = new MysqlStore({ pool, createTable: options.createTable ?? false, ...capOption(options) });
    return {
      store,
      description: redactUrl(url),
      close: async () => {
        await store.close?.();
        await pool.end();
      },
    };
  }
  if (scheme !== undefined && scheme !== 'sqlite' && scheme !== 'file' && scheme.length > 1) {
    throw new SessionError(
      'invalid-option',
      `unknown store URL scheme ${scheme}: use a SQLite file path, redis://, postgres://, mysql:// or memory:`,
    );
  }
  // A path (or sqlite:path / file:path). One-letter "schemes" are Windows drive letters.
  const path = scheme === 'sqlite' || scheme === 'file' ? url.slice(scheme.length + 1).replace(/^\/\/(?=\/)/, '') : url;
  const SqliteStore = classOf(await storeModule('sqlite'), ['SqliteStore']);
  const store = new SqliteStore({ path, createTable: options.createTable ?? true, ...capOption(options) });
  return { store, description: `sqlite ${path}`, close: async () => store.close?.() };
}

/** Where a command writes; tests pass their own. */
export interface CommandIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: Record<string, string | undefined>;
}

export const processIo: CommandIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
};

/** Runs `body` with the store named by --store (or env SESSION_STORE), closing it afterwards. */
export async function withStoreFromFlags(
  store: string | undefined,
  io: CommandIo,
  body: (opened: OpenedStore) => Promise<number>,
): Promise<number> {
  const url = store ?? io.env.SESSION_STORE;
  if (typeof url !== 'string' || url === '') {
    io.err('missing --store <url> (or SESSION_STORE): a SQLite file path, redis://, postgres:// or mysql://');
    return 2;
  }
  let opened: OpenedStore;
  try {
    opened = await openStore(url);
  } catch (error) {
    io.err(`cannot open store ${redactUrl(url)}: ${(error as Error).message}`);
    return 1;
  }
  try {
    return await body(opened);
  } catch (error) {
    io.err(`error: ${(error as Error).message}`);
    return 1;
  } finally {
    await opened.close().catch(() => {});
  }
}
