/**
 * gorilla/securecookie, compatible both ways: HMAC-SHA256 over `name|timestamp|payload`,
 * optional AES-CTR encryption (16/24/32-byte block keys), Go's padded base64url, key
 * pairs for rotation (encode with the first, decode with any). node:crypto when present,
 * Web Crypto otherwise.
 *
 *   value = b64(ts "|" b64(iv ‖ AES-CTR(plain)) "|" HMAC(name "|" ts "|" b64(...)))
 */
import type * as NodeCrypto from 'node:crypto';
import { SessionError } from '../core/errors.js';
import { bytesEqual } from '../core/keyring.js';
import { nodeCrypto, randomBytes } from '../core/platform.js';

export interface GorillaKeyPair {
  /** HMAC-SHA256 key (gorilla recommends 32 or 64 bytes). Hex strings are accepted. */
  hashKey: Uint8Array | string;
  /** AES key of 16, 24 or 32 bytes; omit for signed-only cookies. Hex strings are accepted. */
  blockKey?: Uint8Array | string;
}

export interface SecureCookieOptions {
  /** Seconds a value stays valid after its timestamp; 0 disables. Default 30 days, as Go's CookieStore. */
  maxAge?: number;
  /** Longest encoded value accepted or produced. Default 4096, as Go. */
  maxLength?: number;
  /** Clock in epoch ms; inject one in tests. */
  now?: () => number;
}

/** Why a value was refused, mirroring securecookie's errors. */
export type SecureCookieFailure = 'too-long' | 'base64' | 'invalid' | 'timestamp' | 'expired' | 'decrypt';

const MESSAGES: Record<SecureCookieFailure, string> = {
  'too-long': 'the value is too long',
  base64: 'base64 decode failed',
  invalid: 'the value is not valid',
  timestamp: 'invalid timestamp',
  expired: 'expired timestamp',
  decrypt: 'the value could not be decrypted',
};

function fail(reason: SecureCookieFailure): never {
  throw new SessionError('crypto', `securecookie: ${MESSAGES[reason]}`, { details: { reason } });
}

interface Pair {
  hashKey: Uint8Array;
  blockKey: Uint8Array | undefined;
}

const PADDED_B64URL = /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}==|[A-Za-z0-9_-]{3}=)?$/;
const TIMESTAMP = /^[+-]?\d{1,19}$/;
const encoder = new TextEncoder();
const BAR = 0x7c;

function keyBytes(key: Uint8Array | string, what: string): Uint8Array {
  if (key instanceof Uint8Array) return key;
  if (typeof key === 'string' && /^(?:[0-9a-fA-F]{2})+$/.test(key)) {
    return Uint8Array.from(key.match(/../g) as string[], (h) => Number.parseInt(h, 16));
  }
  throw new SessionError('invalid-option', `securecookie: ${what} must be bytes or a hex string`, {
    details: { option: what },
  });
}

/** Go's base64.URLEncoding (with '=' padding). */
export function encodePaddedBase64url(bytes: Uint8Array): string {
  if (nodeCrypto)
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64url') + pad(bytes.length);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_');
}

function pad(length: number): string {
  const rest = length % 3;
  return rest === 0 ? '' : rest === 1 ? '==' : '=';
}

export function decodePaddedBase64url(text: string): Uint8Array | undefined {
  if (!PADDED_B64URL.test(text)) return undefined;
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export class SecureCookie {
  readonly #pairs: Pair[];
  readonly #maxAge: number;
  readonly #maxLength: number;
  readonly #now: () => number;
  readonly #node: typeof NodeCrypto | undefined;

  constructor(
    pairs: readonly GorillaKeyPair[] | GorillaKeyPair,
    options: SecureCookieOptions & { engine?: 'auto' | 'web' } = {},
  ) {
    const list = Array.isArray(pairs) ? pairs : [pairs as GorillaKeyPair];
    if (list.length === 0) {
      throw new SessionError('invalid-option', 'securecookie: give at least one { hashKey, blockKey } pair', {
        details: { option: 'keys' },
      });
    }
    this.#pairs = list.map((pair, i) => {
      const hashKey = keyBytes(pair.hashKey, `keys[${i}].hashKey`);
      if (hashKey.length === 0) {
        throw new SessionError('invalid-option', `securecookie: keys[${i}].hashKey is empty`, {
          details: { option: 'keys' },
        });
      }
      const blockKey =
        pair.blockKey === undefined || pair.blockKey === ''
          ? undefined
          : keyBytes(pair.blockKey, `keys[${i}].blockKey`);
      if (blockKey && ![16, 24, 32].includes(blockKey.length)) {
        throw new SessionError(
          'invalid-option',
          `securecookie: keys[${i}].blockKey must be 16, 24 or 32 bytes (AES-128/192/256)`,
          {
            details: { option: 'keys' },
          },
        );
      }
      return { hashKey, blockKey };
    });
    this.#maxAge = options.maxAge ?? 86400 * 30;
    this.#maxLength = options.maxLength ?? 4096;
    this.#now = options.now ?? Date.now;
    this.#node = options.engine === 'web' ? undefined : nodeCrypto;
  }

  /**
   * Encodes serialized bytes for cookie `name` with the first key pair. `iv` and
   * `timestamp` (Unix seconds) are for reproducing fixed test vectors only.
   */
  async encode(name: string, plain: Uint8Array, fixed: { iv?: Uint8Array; timestamp?: number } = {}): Promise<string> {
    const pair = this.#pairs[0];
    let body = plain;
    if (pair.blockKey) {
      const iv = fixed.iv ?? randomBytes(16);
      body = concat([iv, await this.#ctr(pair.blockKey, iv, plain)]);
    }
    const payload = encodePaddedBase64url(body);
    const ts = String(fixed.timestamp ?? Math.floor(this.#now() / 1000));
    const mac = await this.#hmac(pair.hashKey, encoder.encode(`${name}|${ts}|${payload}`));
    const value = encodePaddedBase64url(concat([encoder.encode(`${ts}|${payload}|`), mac]));
    if (this.#maxLength > 0 && value.length > this.#maxLength) fail('too-long');
    return value;
  }

  /** Checks and opens a value; returns the serialized bytes. Throws SessionError('crypto') with details.reason. */
  async decode(name: string, value: string): Promise<Uint8Array> {
    return (await this.open(name, value)).plain;
  }

  /** Like decode(), and says which key pair opened the value (0 = the newest). */
  async open(name: string, value: string): Promise<{ plain: Uint8Array; keyIndex: number }> {
    if (this.#maxLength > 0 && value.length > this.#maxLength) fail('too-long');
    const decoded = decodePaddedBase64url(value) ?? fail('base64');
    const first = decoded.indexOf(BAR);
    const second = first < 0 ? -1 : decoded.indexOf(BAR, first + 1);
    if (second < 0) fail('invalid');
    const mac = decoded.subarray(second + 1);
    const macInput = concat([encoder.encode(`${name}|`), decoded.subarray(0, second)]);
    let keyIndex = -1;
    for (let i = 0; i < this.#pairs.length && keyIndex < 0; i++) {
      // Pairs are tried in order, as Go's DecodeMulti; each comparison is constant-time.
      if (bytesEqual(await this.#hmac(this.#pairs[i].hashKey, macInput), mac)) keyIndex = i;
    }
    if (keyIndex < 0) fail('invalid');
    const pair = this.#pairs[keyIndex];
    const ts = new TextDecoder().decode(decoded.subarray(0, first));
    if (!TIMESTAMP.test(ts)) fail('timestamp');
    const t = Number(ts);
    if (this.#maxAge !== 0 && t < Math.floor(this.#now() / 1000) - this.#maxAge) fail('expired');
    const body = decodePaddedBase64url(new TextDecoder().decode(decoded.subarray(first + 1, second))) ?? fail('base64');
    if (!pair.blockKey) return { plain: body, keyIndex };
    if (body.length <= 16) fail('decrypt');
    return { plain: await this.#ctr(pair.blockKey, body.subarray(0, 16), body.subarray(16)), keyIndex };
  }

  async #hmac(key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
    if (this.#node) return this.#node.createHmac('sha256', key).update(data).digest();
    const subtle = globalThis.crypto.subtle;
    const imported = await subtle.importKey('raw', key as BufferSource, { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
    ]);
    return new Uint8Array(await subtle.sign('HMAC', imported, data as BufferSource));
  }

  /** AES-CTR with the whole 16-byte IV as the initial big-endian counter (Go's cipher.NewCTR). */
  async #ctr(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
    if (this.#node) {
      const cipher = this.#node.createCipheriv(`aes-${key.length * 8}-ctr`, key, iv);
      return concat([cipher.update(data), cipher.final()]);
    }
    const subtle = globalThis.crypto.subtle;
    const imported = await subtle.importKey('raw', key as BufferSource, 'AES-CTR', false, ['encrypt']);
    return new Uint8Array(
      await subtle.encrypt(
        { name: 'AES-CTR', counter: iv as BufferSource, length: 128 },
        imported,
        data as BufferSource,
      ),
    );
  }
}
