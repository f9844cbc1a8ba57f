/**
 * Session ids: 256 bits from the platform CSPRNG, base64url (43 characters). The id
 * carries no data. Stores see only a hash of it (the "key"), so a dump of the store
 * yields no cookie that works.
 */
import { randomBytes, sha256, toBase64url } from './platform.js';

export const ID_BYTES = 32;
const ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function newSessionId(): string {
  return toBase64url(randomBytes(ID_BYTES));
}

/** Checks length and alphabet before anything reaches a store. */
export function isWellFormedId(value: string | undefined): value is string {
  return value !== undefined && value.length === 43 && ID_PATTERN.test(value);
}

// Returning visitors send the same id on every request: remember recent hashes so the
// hot path hashes each id once, not once per request. Bounded; cleared when full.
const recentKeys = new Map<string, string>();
const RECENT_KEYS_MAX = 10_000;

/** The store key of an id hashed recently (so well-formed), without checking or hashing it again. */
export function recentStoreKeyOf(id: string): string | undefined {
  return recentKeys.get(id);
}

/** The store key of a session id: SHA-256, base64url. */
export function storeKeyOf(id: string): string | Promise<string> {
  const known = recentKeys.get(id);
  if (known !== undefined) return known;
  const key = sha256(id);
  if (typeof key !== 'string') return key;
  // Only well-formed ids are remembered: recentStoreKeyOf() vouches for the format too.
  if (!isWellFormedId(id)) return key;
  if (recentKeys.size >= RECENT_KEYS_MAX) recentKeys.clear();
  recentKeys.set(id, key);
  return key;
}
