/**
 * How session data becomes bytes in a store. JSON by default; a store may use another
 * codec (say one that keeps Dates or BigInts). `validate` runs at `session.set()`, so
 * a value that would not come back unchanged is refused there, with the path of the
 * offending part, instead of being silently altered at save time.
 */
import { SessionError } from './errors.js';

export interface Codec {
  readonly name: string;
  encode(value: unknown): string;
  decode(text: string): unknown;
  /** Throws SessionError('unserializable-value') for values that would not round-trip. */
  validate(value: unknown, path: string): void;
}

function refuse(path: string, what: string, hint = ''): never {
  throw new SessionError(
    'unserializable-value',
    `session value at ${path} is ${what}, which JSON cannot store unchanged${hint ? `; ${hint}` : ''}`,
    { details: { path } },
  );
}

function validateJson(value: unknown, path: string, seen: Set<object>): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) refuse(path, String(value));
      return;
    case 'undefined':
      refuse(path, 'undefined', 'use session.delete() to remove a key');
      break;
    case 'bigint':
      refuse(path, 'a BigInt', 'store it as a string, or use a codec that supports BigInt');
      break;
    case 'function':
      refuse(path, 'a function');
      break;
    case 'symbol':
      refuse(path, 'a symbol');
      break;
  }
  if (value === null) return;
  const object = value as object;
  if (seen.has(object)) refuse(path, 'a circular reference');
  seen.add(object);
  if (Array.isArray(object)) {
    for (let i = 0; i < object.length; i++) {
      if (!(i in object)) refuse(`${path}[${i}]`, 'an array hole');
      validateJson(object[i], `${path}[${i}]`, seen);
    }
  } else {
    const proto = Object.getPrototypeOf(object);
    if (proto !== Object.prototype && proto !== null) {
      const kind = object instanceof Date ? 'a Date' : `an instance of ${object.constructor?.name ?? 'a class'}`;
      const hint = object instanceof Date ? 'store date.toISOString() or date.getTime()' : 'store a plain object';
      refuse(path, kind, hint);
    }
    for (const key of Object.keys(object)) {
      validateJson((object as Record<string, unknown>)[key], `${path}.${key}`, seen);
    }
  }
  seen.delete(object);
}

/** Longest text `decodeJson` reads itself; longer texts go to JSON.parse at once. */
const SHORT = 64;

/**
 * `JSON.parse(text)`, with the values sessions hold most (counters, flags, short strings
 * such as a role) read directly: for a fresh short string, JSON.parse costs 100 to 200 ns in
 * fixed overhead, about five times the direct read. Anything the direct read is not sure of
 * (exponents, fractions, escapes, whitespace, malformed text) goes to JSON.parse, so the
 * result and the errors are JSON.parse's.
 */
export function decodeJson(text: string): unknown {
  const length = text.length;
  if (length === 0 || length > SHORT) return JSON.parse(text);
  const first = text.charCodeAt(0);
  if (first === QUOTE) return plainString(text, length) ?? JSON.parse(text);
  if ((first >= ZERO && first <= NINE) || first === MINUS) return integer(text, length) ?? JSON.parse(text);
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (text === 'null') return null;
  return JSON.parse(text);
}

const QUOTE = 34;
const BACKSLASH = 92;
const MINUS = 45;
const ZERO = 48;
const NINE = 57;

/** A quoted string without escapes or control characters, unquoted; undefined otherwise. */
function plainString(text: string, length: number): string | undefined {
  if (length < 2 || text.charCodeAt(length - 1) !== QUOTE) return undefined;
  for (let i = 1; i < length - 1; i++) {
    const code = text.charCodeAt(i);
    if (code < 32 || code === QUOTE || code === BACKSLASH) return undefined;
  }
  return text.slice(1, -1);
}

/** A JSON integer of at most 15 digits (exact as a double); undefined otherwise. */
function integer(text: string, length: number): number | undefined {
  const negative = text.charCodeAt(0) === MINUS;
  const from = negative ? 1 : 0;
  const digits = length - from;
  // No leading zeros in JSON ("0" itself aside), and 15 digits always fit a double exactly.
  if (digits === 0 || digits > 15 || (digits > 1 && text.charCodeAt(from) === ZERO)) return undefined;
  let n = 0;
  for (let i = from; i < length; i++) {
    const digit = text.charCodeAt(i) - ZERO;
    if (digit < 0 || digit > 9) return undefined;
    n = n * 10 + digit;
  }
  return negative ? -n : n;
}

export const jsonCodec: Codec = {
  name: 'json',
  encode: (value) => JSON.stringify(value),
  decode: decodeJson,
  validate(value, path) {
    // Primitives are by far the common case: skip the Set allocation for them.
    if (typeof value !== 'object' || value === null) validateJson(value, path, undefined as never);
    else validateJson(value, path, new Set());
  },
};
