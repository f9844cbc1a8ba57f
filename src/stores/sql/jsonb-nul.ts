/**
 * PostgreSQL's jsonb cannot hold U+0000 in a string (or a key), yet session data may.
 * Strings are stored with a reversible escape instead: U+0000 becomes U+E000 '0', and
 * U+E000 itself becomes U+E000 'E', so every string comes back exactly as it was.
 * The walk only happens when the JSON text shows one of the two characters, which
 * ordinary data never does.
 */
const MARK = '\uE000';

const escapeString = (s: string) => s.replaceAll(MARK, `${MARK}E`).replaceAll('\u0000', `${MARK}0`);
const unescapeString = (s: string) => s.replace(/\uE000([0E])/g, (_, c: string) => (c === '0' ? '\u0000' : MARK));

function walk(value: unknown, map: (s: string) => string): unknown {
  if (typeof value === 'string') return map(value);
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => walk(item, map));
  const out: Record<string, unknown> = {};
  // defineProperty, not assignment: a data key named "__proto__" must stay a plain key.
  for (const [k, v] of Object.entries(value)) {
    Object.defineProperty(out, map(k), { value: walk(v, map), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** JSON text of `value` that jsonb accepts. */
export function toJsonbText(value: unknown): string {
  const text = JSON.stringify(value);
  // JSON.stringify writes U+0000 as the escape \u0000 and U+E000 as itself.
  if (!text.includes('\\u0000') && !text.includes(MARK)) return text;
  return JSON.stringify(walk(value, escapeString));
}

/** A key as jsonb stores it (for the `-` operator). */
export function toJsonbKey(key: string): string {
  return key.includes('\u0000') || key.includes(MARK) ? escapeString(key) : key;
}

/** Parses jsonb text (data::text) back to the original value. */
export function fromJsonbText(text: string): unknown {
  const value = JSON.parse(text);
  return text.includes(MARK) ? walk(value, unescapeString) : value;
}
