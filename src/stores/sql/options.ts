/** Option checks shared by the SQL stores; each message says what to change. */
import { SessionError } from '../../core/errors.js';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** A table name, optionally schema-qualified ("app.sessions"), safe to put in SQL unquoted. */
export function tableName(store: string, value: unknown, allowSchema: boolean): string {
  const name = value ?? 'sessions';
  const parts = typeof name === 'string' ? name.split('.') : [];
  const ok = parts.length === 1 || (allowSchema && parts.length === 2);
  if (!ok || !parts.every((part) => IDENTIFIER.test(part))) {
    throw new SessionError(
      'invalid-option',
      `${store}: table must be letters, digits and underscores${allowSchema ? ' (optionally "schema.table")' : ''}, ` +
        `starting with a letter or underscore, at most 63 characters (got ${JSON.stringify(name)})`,
    );
  }
  return name as string;
}

export function positiveInteger(store: string, option: string, value: unknown, fallback: number): number {
  const n = value ?? fallback;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    throw new SessionError('invalid-option', `${store}: ${option} must be a positive integer (got ${String(n)})`);
  }
  return n;
}

export function optionalPositiveInteger(store: string, option: string, value: unknown): number | undefined {
  return value === undefined ? undefined : positiveInteger(store, option, value, 1);
}
