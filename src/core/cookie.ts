/**
 * Cookie header parsing and Set-Cookie serialisation (RFC 6265bis), with the prefix
 * rules browsers enforce (`__Host-`, `__Secure-`) checked before anything is sent.
 */
import { SessionError } from './errors.js';

export type SameSite = 'lax' | 'strict' | 'none';

export interface CookieAttributes {
  /** Seconds; 0 or less expires the cookie at once. Omitted: a browser-session cookie. */
  maxAge?: number;
  /** Sent alongside Max-Age for old clients. */
  expires?: Date;
  domain?: string;
  path?: string;
  secure?: boolean;
  httpOnly?: boolean;
  sameSite?: SameSite;
  partitioned?: boolean;
}

/** Browsers keep at most ~4096 bytes of name, value and attributes per cookie. */
export const MAX_COOKIE_BYTES = 4096;
/** Headers longer than this are not parsed at all. */
const MAX_HEADER_LENGTH = 16 * 1024;

// RFC 6265 token (cookie-name) and cookie-octet (cookie-value) alphabets.
const NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const VALUE = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/;
const ATTRIBUTE = /^[\x20-\x3A\x3C-\x7E]+$/;

export function isValidCookieName(name: string): boolean {
  return NAME.test(name);
}

export function isValidCookieValue(value: string): boolean {
  return VALUE.test(value);
}

/**
 * All values sent for `name`, in header order. Malformed pairs are skipped; a header
 * longer than 16 KiB yields nothing. Values are returned as sent (surrounding double
 * quotes removed), never URI-decoded: session values are plain base64url.
 */
export function getCookieValues(header: string | null | undefined, name: string): string[] {
  // Made at the first value, with room for just it: an empty array's first push reserves 17.
  let found: string[] | undefined;
  if (!header || header.length > MAX_HEADER_LENGTH) return [];
  let start = 0;
  while (start < header.length) {
    let end = header.indexOf(';', start);
    if (end === -1) end = header.length;
    const eq = header.indexOf('=', start);
    // Compare the name in place (no substring per cookie): most headers carry other cookies too.
    if (
      eq !== -1 &&
      eq < end &&
      nameAt(header, start, eq) === name.length &&
      header.startsWith(name, skipSpace(header, start))
    ) {
      let value = header.slice(eq + 1, end).trim();
      if (value.length >= 2 && value.charCodeAt(0) === 34 && value.charCodeAt(value.length - 1) === 34) {
        value = value.slice(1, -1);
      }
      if (found === undefined) found = [value];
      else found.push(value);
    }
    start = end + 1;
  }
  return found ?? [];
}

/** Index of the first character from `from` that is not whitespace or a control character. */
export function skipSpace(text: string, from: number): number {
  let i = from;
  while (i < text.length && text.charCodeAt(i) <= 32) i++;
  return i;
}

/** Length of the cookie name between `start` and the '=' at `eq`, surrounding whitespace excluded. */
export function nameAt(header: string, start: number, eq: number): number {
  const from = skipSpace(header, start);
  let to = eq;
  while (to > from && header.charCodeAt(to - 1) <= 32) to--;
  return to - from;
}

/** Every cookie in the header, first occurrence of each name wins. */
export function parseCookies(header: string | null | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header || header.length > MAX_HEADER_LENGTH) return cookies;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    const key = part.slice(0, eq).trim();
    if (!key || cookies.has(key) || !NAME.test(key)) continue;
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    cookies.set(key, value);
  }
  return cookies;
}

/** Builds one Set-Cookie header value. Throws SessionError on anything a browser would reject. */
export function serializeCookie(name: string, value: string, attributes: CookieAttributes = {}): string {
  if (!NAME.test(name)) {
    throw new SessionError(
      'invalid-option',
      `cookie name ${JSON.stringify(name)} has characters not allowed in a cookie name`,
    );
  }
  if (!VALUE.test(value)) {
    throw new SessionError('invalid-option', `cookie value for ${name} has characters not allowed in a cookie value`);
  }
  checkPrefixRules(name, attributes);
  let cookie = `${name}=${value}`;
  if (attributes.maxAge !== undefined) {
    if (!Number.isFinite(attributes.maxAge)) {
      throw new SessionError('invalid-option', `cookie maxAge must be a finite number of seconds`);
    }
    cookie += `; Max-Age=${Math.max(0, Math.floor(attributes.maxAge))}`;
  }
  if (attributes.expires) cookie += `; Expires=${attributes.expires.toUTCString()}`;
  if (attributes.domain) {
    if (!ATTRIBUTE.test(attributes.domain)) throw new SessionError('invalid-option', 'cookie domain is not valid');
    cookie += `; Domain=${attributes.domain}`;
  }
  if (attributes.path) {
    if (!ATTRIBUTE.test(attributes.path)) throw new SessionError('invalid-option', 'cookie path is not valid');
    cookie += `; Path=${attributes.path}`;
  }
  if (attributes.httpOnly) cookie += '; HttpOnly';
  if (attributes.secure) cookie += '; Secure';
  if (attributes.sameSite) cookie += `; SameSite=${SAME_SITE[attributes.sameSite]}`;
  if (attributes.partitioned) cookie += '; Partitioned';
  return cookie;
}

const SAME_SITE: Record<SameSite, string> = { lax: 'Lax', strict: 'Strict', none: 'None' };

/**
 * The rules browsers apply, checked up front so a misconfiguration fails at start-up
 * instead of as a cookie the browser silently drops.
 */
export function checkPrefixRules(name: string, attributes: CookieAttributes): void {
  const fail = (why: string) => {
    throw new SessionError('invalid-option', `cookie ${name}: ${why}`, { details: { option: 'cookie' } });
  };
  if (name.startsWith('__Host-')) {
    if (!attributes.secure) fail('the __Host- prefix requires secure: true');
    if (attributes.domain) fail('the __Host- prefix forbids a domain; remove cookie.domain');
    if (attributes.path !== '/') fail("the __Host- prefix requires path '/'");
  } else if (name.startsWith('__Secure-') && !attributes.secure) {
    fail('the __Secure- prefix requires secure: true');
  }
  if (attributes.sameSite === 'none' && !attributes.secure) {
    fail('SameSite=None requires Secure (browsers reject it otherwise); set secure: true or choose sameSite lax');
  }
  if (attributes.partitioned && !attributes.secure) fail('Partitioned cookies require secure: true');
}

/** Bytes a Set-Cookie value takes (what browsers count against their limit). */
export function cookieSize(setCookie: string): number {
  // Cookie names and values are ASCII by construction, so length is the byte count.
  return setCookie.length;
}
