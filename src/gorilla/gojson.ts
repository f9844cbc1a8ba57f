/**
 * Go's encoding/json Encoder output, byte for byte, for the values a session holds:
 * object keys sorted, `<` `>` `&` U+2028 U+2029 escaped as \u003c \u003e \u0026 \u2028
 * \u2029, other control characters as \u00XX (Go 1.19 also writes \b and \f that way),
 * and a trailing newline. securecookie.JSONEncoder uses it.
 */
import { SessionError } from '../core/errors.js';

export function encodeGoJson(value: unknown): string {
  return `${goJson(value, 'value')}\n`;
}

function goJson(value: unknown, path: string): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return goString(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) break;
      // JS and Go agree on the shortest round-trip form and the 1e-6 / 1e21 switch to exponents.
      return String(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v, i) => goJson(v, `${path}[${i}]`)).join(',')}]`;
      const entries = value instanceof Map ? [...value] : Object.entries(value);
      const keys = entries.map(([k]) => String(k)).sort(compareUtf8);
      const byKey = new Map(entries.map(([k, v]) => [String(k), v]));
      return `{${keys.map((k) => `${goString(k)}:${goJson(byKey.get(k), `${path}.${k}`)}`).join(',')}}`;
    }
  }
  throw new SessionError('unserializable-value', `Go JSON cannot carry ${path} (${String(value)})`, {
    details: { path },
  });
}

/** Go sorts map keys by their UTF-8 bytes. */
function compareUtf8(a: string, b: string): number {
  // UTF-8 byte order is code point order (UTF-16 unit order is not, above U+D7FF).
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i].codePointAt(0) as number) - (y[i].codePointAt(0) as number);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

const HEX = '0123456789abcdef';

function goString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c < 0x20 || c === 0x3c || c === 0x3e || c === 0x26) out += `\\u00${HEX[c >> 4]}${HEX[c & 15]}`;
    else if (c === 0x2028 || c === 0x2029) out += `\\u202${c === 0x2028 ? '8' : '9'}`;
    else if (c >= 0xd800 && c <= 0xdfff) {
      // A lone surrogate is invalid UTF-8; Go writes U+FFFD in its place.
      const next = s.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        out += s[i] + s[i + 1];
        i++;
      } else out += '\ufffd';
    } else out += s[i];
  }
  return `${out}"`;
}
