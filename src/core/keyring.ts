/**
 * The key ring behind cookie sessions and signed session ids. Seals with the newest
 * key, opens with any listed key. Every value carries a short key id, so opening
 * never tries every key; removing a key invalidates what it sealed.
 *
 * Each configured key (32 random bytes, or a passphrase of at least 32 bytes) is
 * expanded with HKDF-SHA256 into an AES-256-GCM key, an HMAC-SHA256 key and a 2-byte
 * id. node:crypto is used when present (synchronous); Web Crypto otherwise. Both
 * produce and accept the same bytes.
 *
 * Wire format (base64url, no padding, of):
 *   sealed: 0x01 ‖ keyId(2) ‖ nonce(12) ‖ AES-256-GCM ciphertext ‖ tag(16)
 *           AAD = 0x01 ‖ keyId ‖ cookie name
 *   signed: 0x02 ‖ keyId(2) ‖ payload ‖ HMAC-SHA256(0x02 ‖ keyId ‖ name ‖ 0x00 ‖ payload)
 *   token:  text "." base64url(0x03 ‖ keyId(2) ‖ HMAC-SHA256(0x03 ‖ keyId ‖ name ‖ 0x00 ‖ text)[0..16])
 * The 3-byte header encodes to exactly 4 characters, so the key is found from the
 * text without decoding anything, and the tag is checked before anything is parsed.
 */
import type * as NodeCrypto from 'node:crypto';
import { SessionError } from './errors.js';
import type { MaybePromise } from './maybe.js';
import { nodeCrypto, randomBytes, toBase64url } from './platform.js';

/** 32 random bytes (as base64url, 43 characters, or raw bytes), or a passphrase of >= 32 bytes. */
export type KeyInput = string | Uint8Array;

export const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const MAC_BYTES = 32;
const TOKEN_MAC_BYTES = 16;
const HEADER_BYTES = 3;
const HEADER_CHARS = 4;

const SEALED = 0x01;
const SIGNED = 0x02;
const TOKEN = 0x03;

const RAW_KEY = /^[A-Za-z0-9_-]{43}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Why a value did not open; `expired` and `revoked` are added by the callers. */
export type OpenFailure = 'malformed' | 'unknown-key' | 'tampered';

export type Opened = { ok: true; plaintext: Uint8Array /** Opened with an older key: re-seal it. */; stale: boolean };
export type OpenResult = Opened | { ok: false; reason: OpenFailure };

export interface KeyRingOptions {
  /** 'auto' (default) uses node:crypto when available, else Web Crypto. */
  engine?: 'auto' | 'node' | 'web';
}

interface NodeKey {
  aead: NodeCrypto.KeyObject;
  mac: NodeCrypto.KeyObject;
}
interface WebKey {
  aead: CryptoKey;
  mac: CryptoKey;
}
interface RingKey {
  /** base64url of the 3-byte header for each format, indexed by format byte. */
  headers: Record<number, Uint8Array>;
  prefix: Record<number, string>;
  index: number;
  aad: Map<string, Uint8Array>;
  node?: NodeKey;
  web?: WebKey;
}

function keyError(message: string): never {
  throw new SessionError('invalid-option', `sessionkit: option keys ${message}`, { details: { option: 'keys' } });
}

/** Turns one configured key into its 32 master bytes (before HKDF). */
export function keyMaterial(key: KeyInput, position = 0): Uint8Array {
  if (key instanceof Uint8Array) {
    if (key.length < KEY_BYTES) keyError(`[${position}] has ${key.length} bytes; use ${KEY_BYTES} random bytes`);
    return key;
  }
  if (typeof key !== 'string') keyError(`[${position}] must be a string or Uint8Array`);
  if (RAW_KEY.test(key)) return decodeBase64url(key) as Uint8Array;
  const bytes = encoder.encode(key);
  if (bytes.length < KEY_BYTES) {
    keyError(
      `[${position}] is a passphrase of ${bytes.length} bytes; at least ${KEY_BYTES} are required. ` +
        'Generate a key with `npx sessionkit keygen` (or: node -e "console.log(crypto.randomBytes(32).toString(\'base64url\'))").',
    );
  }
  return bytes;
}

/** A new random key in the format the `keys` option takes. */
export function generateKey(): string {
  return toBase64url(randomBytes(KEY_BYTES));
}

export class KeyRing {
  readonly size: number;
  readonly #byPrefix = new Map<string, RingKey>();
  readonly #keys: RingKey[];
  readonly #node: typeof NodeCrypto | undefined;
  #webReady: Promise<void> | undefined;

  /** `keys[0]` seals; every listed key opens. */
  constructor(keys: readonly KeyInput[] | KeyInput, options: KeyRingOptions = {}) {
    const list = Array.isArray(keys) ? keys : [keys as KeyInput];
    if (list.length === 0) keyError('must list at least one key (newest first)');
    const engine = options.engine ?? 'auto';
    if (engine === 'node' && !nodeCrypto) keyError('engine "node" was asked for but node:crypto is not available');
    this.#node = engine === 'web' ? undefined : nodeCrypto;
    const materials = list.map((key, i) => keyMaterial(key, i));
    this.size = materials.length;
    if (this.#node) {
      const node = this.#node;
      this.#keys = materials.map((master, index) => {
        const id = new Uint8Array(node.hkdfSync('sha256', master, new Uint8Array(0), INFO_ID, 2));
        return this.#ringKey(id, index, {
          aead: node.createSecretKey(new Uint8Array(node.hkdfSync('sha256', master, new Uint8Array(0), INFO_AEAD, 32))),
          mac: node.createSecretKey(new Uint8Array(node.hkdfSync('sha256', master, new Uint8Array(0), INFO_MAC, 32))),
        });
      });
    } else {
      // Web Crypto derives asynchronously: ids are filled in before the first use.
      this.#keys = [];
      this.#webReady = this.#deriveWeb(materials);
      // Failures (duplicate key ids) surface on first use; never as an unhandled rejection.
      this.#webReady.catch(() => {});
    }
  }

  /** Resolves once keys are derived (immediately on Node). Rejects on duplicate key ids. */
  async ready(): Promise<void> {
    await this.#webReady;
  }

  /** 'node' (synchronous node:crypto) or 'web' (Web Crypto). */
  get engine(): 'node' | 'web' {
    return this.#node ? 'node' : 'web';
  }

  /** Encrypts and authenticates `plaintext` for the cookie `name` with the newest key. */
  seal(name: string, plaintext: Uint8Array | string): MaybePromise<string> {
    if (this.#webReady) return this.#webReady.then(() => this.#sealWeb(name, plaintext));
    const node = this.#node as typeof NodeCrypto;
    const key = this.#keys[0];
    const header = key.headers[SEALED];
    const nonce = nextNonce(node);
    const cipher = node.createCipheriv('aes-256-gcm', (key.node as NodeKey).aead, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(this.#aad(key, name));
    const body =
      typeof plaintext === 'string'
        ? cipher.update(plaintext, 'utf8')
        : cipher.update(plaintext as NodeJS.ArrayBufferView);
    const final = cipher.final();
    const out = Buffer.concat([header, nonce, body, final, cipher.getAuthTag()]);
    return out.toString('base64url');
  }

  /** Opens a value sealed for `name`. Never throws on bad input. */
  open(name: string, value: string): MaybePromise<OpenResult> {
    if (this.#webReady) return this.#webReady.then(() => this.#openWeb(name, value));
    const key = this.#find(value, SEALED);
    if (!key) return { ok: false, reason: this.#whyNoKey(value, SEALED) };
    const bytes = decodeBase64url(value);
    if (!bytes || bytes.length < HEADER_BYTES + NONCE_BYTES + TAG_BYTES) return MALFORMED;
    const node = this.#node as typeof NodeCrypto;
    try {
      const decipher = node.createDecipheriv(
        'aes-256-gcm',
        (key.node as NodeKey).aead,
        bytes.subarray(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES),
        { authTagLength: TAG_BYTES },
      );
      decipher.setAAD(this.#aad(key, name));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      const body = decipher.update(bytes.subarray(HEADER_BYTES + NONCE_BYTES, bytes.length - TAG_BYTES));
      const final = decipher.final();
      return { ok: true, plaintext: final.length ? Buffer.concat([body, final]) : body, stale: key.index > 0 };
    } catch {
      return TAMPERED;
    }
  }

  /** Integrity without secrecy: the payload stays readable, any change is detected. */
  sign(name: string, payload: Uint8Array | string): MaybePromise<string> {
    const bytes = typeof payload === 'string' ? encoder.encode(payload) : payload;
    if (this.#webReady) return this.#webReady.then(() => this.#signWeb(name, bytes));
    const key = this.#keys[0];
    const header = key.headers[SIGNED];
    const mac = this.#nodeMac(key, header, name, bytes);
    return Buffer.concat([header, bytes, mac]).toString('base64url');
  }

  /** Checks a signed value (MAC first, constant time) and returns its payload. */
  verify(name: string, value: string): MaybePromise<OpenResult> {
    if (this.#webReady) return this.#webReady.then(() => this.#verifyWeb(name, value));
    const key = this.#find(value, SIGNED);
    if (!key) return { ok: false, reason: this.#whyNoKey(value, SIGNED) };
    const bytes = decodeBase64url(value);
    if (!bytes || bytes.length < HEADER_BYTES + MAC_BYTES) return MALFORMED;
    const payload = bytes.subarray(HEADER_BYTES, bytes.length - MAC_BYTES);
    const expected = this.#nodeMac(key, key.headers[SIGNED], name, payload);
    const node = this.#node as typeof NodeCrypto;
    if (!node.timingSafeEqual(expected, bytes.subarray(bytes.length - MAC_BYTES))) return TAMPERED;
    return { ok: true, plaintext: payload, stale: key.index > 0 };
  }

  /** `text.signature`: for session ids of server-side stores (the id stays visible). */
  signToken(name: string, text: string): MaybePromise<string> {
    if (this.#webReady) return this.#webReady.then(() => this.#signTokenWeb(name, text));
    const key = this.#keys[0];
    const header = key.headers[TOKEN];
    const mac = this.#nodeMac(key, header, name, Buffer.from(text, 'utf8')).subarray(0, TOKEN_MAC_BYTES);
    return `${text}.${Buffer.concat([header, mac]).toString('base64url')}`;
  }

  /** The text of a valid token, with `stale` when an older key signed it. */
  verifyToken(
    name: string,
    value: string,
  ): MaybePromise<{ ok: true; text: string; stale: boolean } | { ok: false; reason: OpenFailure }> {
    if (this.#webReady) return this.#webReady.then(() => this.#verifyTokenWeb(name, value));
    const split = splitToken(value);
    if (!split) return MALFORMED;
    const key = this.#find(split.signature, TOKEN);
    if (!key) return { ok: false, reason: this.#whyNoKey(split.signature, TOKEN) };
    const sig = decodeBase64url(split.signature);
    if (!sig || sig.length !== HEADER_BYTES + TOKEN_MAC_BYTES) return MALFORMED;
    const expected = this.#nodeMac(key, key.headers[TOKEN], name, Buffer.from(split.text, 'utf8')).subarray(
      0,
      TOKEN_MAC_BYTES,
    );
    const node = this.#node as typeof NodeCrypto;
    if (!node.timingSafeEqual(expected, sig.subarray(HEADER_BYTES))) return TAMPERED;
    return { ok: true, text: split.text, stale: key.index > 0 };
  }

  /** AAD for (key, name), cached: a manager uses one or two names for its whole life. */
  #aad(key: RingKey, name: string): Uint8Array {
    let aad = key.aad.get(name);
    if (!aad) {
      aad = aadOf(key.headers[SEALED], name);
      if (key.aad.size < 64) key.aad.set(name, aad);
    }
    return aad;
  }

  #nodeMac(key: RingKey, header: Uint8Array, name: string, payload: Uint8Array): Buffer {
    const hmac = (this.#node as typeof NodeCrypto).createHmac('sha256', (key.node as NodeKey).mac);
    hmac.update(header);
    hmac.update(name);
    hmac.update(ZERO);
    hmac.update(payload);
    return hmac.digest();
  }

  #find(value: string, format: number): RingKey | undefined {
    const key = this.#byPrefix.get(value.slice(0, HEADER_CHARS));
    return key && key.prefix[format] === value.slice(0, HEADER_CHARS) ? key : undefined;
  }

  #whyNoKey(value: string, format: number): OpenFailure {
    const header = decodeBase64url(value.slice(0, HEADER_CHARS));
    return header && header[0] === format && BASE64URL.test(value) ? 'unknown-key' : 'malformed';
  }

  #ringKey(id: Uint8Array, index: number, node?: NodeKey, web?: WebKey): RingKey {
    const headers: Record<number, Uint8Array> = {};
    const prefix: Record<number, string> = {};
    for (const format of [SEALED, SIGNED, TOKEN]) {
      headers[format] = new Uint8Array([format, id[0], id[1]]);
      prefix[format] = toBase64url(headers[format]);
    }
    const key: RingKey = { headers, prefix, index, aad: new Map(), node, web };
    for (const format of [SEALED, SIGNED, TOKEN]) {
      if (this.#byPrefix.has(prefix[format])) {
        keyError(
          `[${index}] has the same key id as an earlier key (or repeats it); generate another with \`npx sessionkit keygen\``,
        );
      }
      this.#byPrefix.set(prefix[format], key);
    }
    return key;
  }

  async #deriveWeb(materials: Uint8Array[]): Promise<void> {
    const subtle = globalThis.crypto.subtle;
    const derive = async (master: CryptoKey, info: Uint8Array, bytes: number) =>
      new Uint8Array(
        await subtle.deriveBits(
          { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: info as BufferSource },
          master,
          bytes * 8,
        ),
      );
    for (let index = 0; index < materials.length; index++) {
      const master = await subtle.importKey('raw', materials[index] as BufferSource, 'HKDF', false, ['deriveBits']);
      const id = await derive(master, INFO_ID, 2);
      const aead = await subtle.importKey('raw', await derive(master, INFO_AEAD, 32), 'AES-GCM', false, [
        'encrypt',
        'decrypt',
      ]);
      const mac = await subtle.importKey(
        'raw',
        await derive(master, INFO_MAC, 32),
        { name: 'HMAC', hash: 'SHA-256' },
        false,
        ['sign'],
      );
      this.#keys.push(this.#ringKey(id, index, undefined, { aead, mac }));
    }
  }

  async #sealWeb(name: string, plaintext: Uint8Array | string): Promise<string> {
    const key = this.#keys[0];
    const header = key.headers[SEALED];
    const nonce = randomBytes(NONCE_BYTES);
    const data = typeof plaintext === 'string' ? encoder.encode(plaintext) : plaintext;
    const sealed = new Uint8Array(
      await globalThis.crypto.subtle.encrypt(
        {
          name: 'AES-GCM',
          iv: nonce as BufferSource,
          additionalData: aadOf(header, name) as BufferSource,
          tagLength: 128,
        },
        (key.web as WebKey).aead,
        data as BufferSource,
      ),
    );
    return toBase64url(concat([header, nonce, sealed]));
  }

  async #openWeb(name: string, value: string): Promise<OpenResult> {
    const key = this.#find(value, SEALED);
    if (!key) return { ok: false, reason: this.#whyNoKey(value, SEALED) };
    const bytes = decodeBase64url(value);
    if (!bytes || bytes.length < HEADER_BYTES + NONCE_BYTES + TAG_BYTES) return MALFORMED;
    try {
      const plaintext = await globalThis.crypto.subtle.decrypt(
        {
          name: 'AES-GCM',
          iv: bytes.subarray(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES) as BufferSource,
          additionalData: aadOf(key.headers[SEALED], name) as BufferSource,
          tagLength: 128,
        },
        (key.web as WebKey).aead,
        bytes.subarray(HEADER_BYTES + NONCE_BYTES) as BufferSource,
      );
      return { ok: true, plaintext: new Uint8Array(plaintext), stale: key.index > 0 };
    } catch {
      return TAMPERED;
    }
  }

  async #webMac(key: RingKey, header: Uint8Array, name: string, payload: Uint8Array): Promise<Uint8Array> {
    const input = concat([header, encoder.encode(name), ZERO, payload]);
    return new Uint8Array(await globalThis.crypto.subtle.sign('HMAC', (key.web as WebKey).mac, input as BufferSource));
  }

  async #signWeb(name: string, payload: Uint8Array): Promise<string> {
    const key = this.#keys[0];
    const header = key.headers[SIGNED];
    return toBase64url(concat([header, payload, await this.#webMac(key, header, name, payload)]));
  }

  async #verifyWeb(name: string, value: string): Promise<OpenResult> {
    const key = this.#find(value, SIGNED);
    if (!key) return { ok: false, reason: this.#whyNoKey(value, SIGNED) };
    const bytes = decodeBase64url(value);
    if (!bytes || bytes.length < HEADER_BYTES + MAC_BYTES) return MALFORMED;
    const payload = bytes.subarray(HEADER_BYTES, bytes.length - MAC_BYTES);
    const expected = await this.#webMac(key, key.headers[SIGNED], name, payload);
    if (!bytesEqual(expected, bytes.subarray(bytes.length - MAC_BYTES))) return TAMPERED;
    return { ok: true, plaintext: payload, stale: key.index > 0 };
  }

  async #signTokenWeb(name: string, text: string): Promise<string> {
    const key = this.#keys[0];
    const header = key.headers[TOKEN];
    const mac = (await this.#webMac(key, header, name, encoder.encode(text))).subarray(0, TOKEN_MAC_BYTES);
    return `${text}.${toBase64url(concat([header, mac]))}`;
  }

  async #verifyTokenWeb(
    name: string,
    value: string,
  ): Promise<{ ok: true; text: string; stale: boolean } | { ok: false; reason: OpenFailure }> {
    const split = splitToken(value);
    if (!split) return MALFORMED;
    const key = this.#find(split.signature, TOKEN);
    if (!key) return { ok: false, reason: this.#whyNoKey(split.signature, TOKEN) };
    const sig = decodeBase64url(split.signature);
    if (!sig || sig.length !== HEADER_BYTES + TOKEN_MAC_BYTES) return MALFORMED;
    const expected = (await this.#webMac(key, key.headers[TOKEN], name, encoder.encode(split.text))).subarray(
      0,
      TOKEN_MAC_BYTES,
    );
    if (!bytesEqual(expected, sig.subarray(HEADER_BYTES))) return TAMPERED;
    return { ok: true, text: split.text, stale: key.index > 0 };
  }
}

const INFO_AEAD = encoder.encode('sessionkit v1 aes-256-gcm');
const INFO_MAC = encoder.encode('sessionkit v1 hmac-sha256');
const INFO_ID = encoder.encode('sessionkit v1 key id');
const ZERO = new Uint8Array([0]);
const MALFORMED = { ok: false, reason: 'malformed' } as const;
const TAMPERED = { ok: false, reason: 'tampered' } as const;

// Nonces come from a pool filled by the CSPRNG: one getrandom call per 341 seals
// instead of one each (the per-call cost dominated sealing small sessions).
const NONCE_POOL_BYTES = NONCE_BYTES * 341;
let noncePool: Buffer | undefined;
let nonceOffset = NONCE_POOL_BYTES;

function nextNonce(node: typeof NodeCrypto): Buffer {
  if (nonceOffset >= NONCE_POOL_BYTES || !noncePool) {
    // A fresh buffer each time: nonces already handed out stay untouched.
    noncePool = node.randomBytes(NONCE_POOL_BYTES);
    nonceOffset = 0;
  }
  const nonce = noncePool.subarray(nonceOffset, nonceOffset + NONCE_BYTES);
  nonceOffset += NONCE_BYTES;
  return nonce;
}

function aadOf(header: Uint8Array, name: string): Uint8Array {
  return concat([header, encoder.encode(name)]);
}

function splitToken(value: string): { text: string; signature: string } | undefined {
  const dot = value.lastIndexOf('.');
  if (dot <= 0 || dot === value.length - 1) return undefined;
  return { text: value.slice(0, dot), signature: value.slice(dot + 1) };
}

function concat(parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Constant-time comparison of two byte strings of public length. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Strict, canonical base64url (no padding): the unused low bits of the last character
 * must be zero, so every byte string has exactly one accepted spelling.
 */
export function decodeBase64url(text: string): Uint8Array | undefined {
  const rest = text.length % 4;
  if (text.length === 0 || rest === 1 || !BASE64URL.test(text)) return undefined;
  if (rest !== 0) {
    const last = ALPHABET.indexOf(text[text.length - 1]);
    if ((last & (rest === 2 ? 0x0f : 0x03)) !== 0) return undefined;
  }
  if (nodeCrypto && typeof Buffer !== 'undefined') return Buffer.from(text, 'base64url');
  const padded = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - rest) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** UTF-8 text of a plaintext; undefined when it is not valid UTF-8. */
export function utf8(bytes: Uint8Array): string | undefined {
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}
