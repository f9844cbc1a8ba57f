/**
 * The few platform primitives the core needs, written so the core has no static
 * Node-only import: on Node, node:crypto is reached through process.getBuiltinModule
 * (the fast, synchronous path); elsewhere (Bun, Deno, Workers) Web Crypto is used.
 */
import type * as NodeCrypto from 'node:crypto';

interface BufferLike {
  from(data: Uint8Array | string, encoding?: string): Uint8Array & { toString(encoding: string): string };
}

const nodeBuffer = (globalThis as { Buffer?: BufferLike }).Buffer;

function loadNodeCrypto(): typeof NodeCrypto | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    return proc?.getBuiltinModule?.('node:crypto') as typeof NodeCrypto | undefined;
  } catch {
    return undefined;
  }
}

/** node:crypto when running on Node, undefined elsewhere. */
export const nodeCrypto: typeof NodeCrypto | undefined = loadNodeCrypto();

/**
 * One call into the CSPRNG costs about 5 µs on Node 20 whatever its size, about as much as
 * the rest of a request that starts a session. Small draws are therefore cut from a pool
 * filled 4 KiB at a time, as Node does for randomUUID(). Each byte is handed out once, and
 * as a copy: a view would let its holder read the ids drawn before and after it.
 */
const POOL_BYTES = 4096;
const POOLED_MAX = 256;
let pool = new Uint8Array(0);
let poolOffset = 0;

/** `length` bytes from the platform CSPRNG. */
export function randomBytes(length: number): Uint8Array {
  if (length > POOLED_MAX) {
    const bytes = new Uint8Array(length);
    globalThis.crypto.getRandomValues(bytes);
    return bytes;
  }
  if (poolOffset + length > pool.length) {
    pool = new Uint8Array(POOL_BYTES);
    globalThis.crypto.getRandomValues(pool);
    poolOffset = 0;
  }
  const bytes = pool.slice(poolOffset, poolOffset + length);
  poolOffset += length;
  return bytes;
}

export function toBase64url(bytes: Uint8Array): string {
  if (nodeBuffer) return nodeBuffer.from(bytes).toString('base64url');
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Decodes unpadded base64url; returns undefined for anything else. */
export function fromBase64url(text: string): Uint8Array | undefined {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return undefined;
  if (nodeBuffer) return new Uint8Array(nodeBuffer.from(text, 'base64url'));
  const padded = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const encoder = new TextEncoder();

/** SHA-256 of a string as base64url. Synchronous on Node, a promise elsewhere. */
export function sha256(text: string): string | Promise<string> {
  if (nodeCrypto) return nodeCrypto.createHash('sha256').update(text).digest('base64url');
  return globalThis.crypto.subtle
    .digest('SHA-256', encoder.encode(text))
    .then((digest) => toBase64url(new Uint8Array(digest)));
}

/** Compares two strings in time that depends only on their length. */
export function timingSafeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
