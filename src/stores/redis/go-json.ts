/**
 * JSON as Go's encoding/json writes it (json.Marshal): object keys sorted by their UTF-8
 * bytes, and `<`, `>`, `&`, U+2028 and U+2029 escaped. Go reads any valid JSON, so this only
 * matters for byte-for-byte equality with what a Go app writes, which makes diffs and
 * debugging during a migration much easier.
 */
import { setOwn } from '../../core/own.js';

export function goJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)).replace(/[<>&\u2028\u2029]/g, escapeChar);
}

function escapeChar(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

function byUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort(byUtf8)) {
    const v = sortKeys((value as Record<string, unknown>)[k]);
    setOwn(out, k, v);
  }
  return out;
}
