/**
 * The demo's settings, from environment variables. Keys: in production a missing or weak
 * SESSION_KEYS stops start-up with a message saying how to make one; in development a key
 * is generated once and kept in ./data so sessions survive restarts.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateKey, KeyRing } from '../../src/core/keyring.js';
import type { TrustProxy } from '../../src/core/proxy.js';

export interface DemoConfig {
  host: string;
  port: number;
  production: boolean;
  dataDir: string;
  /** sqlite path, redis://, postgres://, mysql:// or memory: */
  storeUrl: string;
  /** Session-id signing keys, newest first. */
  keys: string[];
  trustProxy: TrustProxy;
  /** When set, /metrics requires `Authorization: Bearer <token>`. */
  metricsToken?: string;
  /** Print the seeded accounts at start-up. */
  printAccounts: boolean;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const KEYGEN_HINT =
  'Generate one with `npx sessionkit keygen` and start with SESSION_KEYS=<key> (several keys, newest first, separated by commas, to rotate).';

/** Rejects keys that KeyRing would refuse, and passphrases that are long but obviously not random. */
function checkKeys(keys: string[]): void {
  if (keys.length === 0) throw new ConfigError(`SESSION_KEYS is not set. ${KEYGEN_HINT}`);
  keys.forEach((key, index) => {
    if (!/^[A-Za-z0-9_-]{43}$/.test(key) && new Set(key).size < 12) {
      throw new ConfigError(
        `SESSION_KEYS[${index}] is a weak passphrase (too few distinct characters). ${KEYGEN_HINT}`,
      );
    }
  });
  try {
    new KeyRing(keys);
  } catch (error) {
    throw new ConfigError(`SESSION_KEYS is not usable: ${(error as Error).message}`);
  }
}

/** Reads or creates ./data/session-key (development only). */
function developmentKey(dataDir: string): string {
  const file = join(dataDir, 'session-key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const key = generateKey();
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return key;
}

function trustProxyFrom(value: string | undefined): TrustProxy {
  if (value === undefined || value === '' || value === 'false') return false;
  if (value === 'true') return true;
  const hops = Number(value);
  if (Number.isInteger(hops) && hops >= 0) return hops;
  throw new ConfigError(`TRUST_PROXY must be false, true or a number of proxy hops (got ${value})`);
}

export function loadConfig(env: Record<string, string | undefined> = process.env): DemoConfig {
  const production = env.NODE_ENV === 'production';
  const dataDir = resolve(env.DATA_DIR ?? 'data');
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError(`PORT must be a port number (got ${env.PORT})`);
  const given = (env.SESSION_KEYS ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter(Boolean);
  let keys: string[];
  if (given.length > 0 || production) {
    checkKeys(given);
    keys = given;
  } else {
    keys = [developmentKey(dataDir)];
  }
  return {
    host: env.HOST ?? '127.0.0.1',
    port,
    production,
    dataDir,
    storeUrl: env.SESSION_STORE || `sqlite:${join(dataDir, 'sessions.db')}`,
    keys,
    trustProxy: trustProxyFrom(env.TRUST_PROXY),
    metricsToken: env.METRICS_TOKEN || undefined,
    printAccounts: env.DEMO_QUIET !== '1',
  };
}
