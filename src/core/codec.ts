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

export const jsonCodec: Codec = {
  name: 'json',
  encode: (value) => JSON.stringify(value),
  decode: (text) => JSON.parse(text),
  validate(value, path) {
    // Primitives are by far the common case: skip the Set allocation for them.
    if (typeof value !== 'object' || value === null) validateJson(value, path, undefined as never);
    else validateJson(value, path, new Set());
  },
};
