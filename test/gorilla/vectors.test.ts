/**
 * gorilla/securecookie interop against vectors produced by a real Go program
 * (/work/shared/interop, see its README): every vector Go accepts opens, every reject/...
 * vector is refused, decoded plaintext matches byte for byte, and fixed-IV/timestamp
 * vectors re-encode byte-exactly.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SessionError } from '../../src/core/errors.js';
import {
  decodeGob,
  decodePaddedBase64url,
  encodeGobMap,
  encodeGobString,
  encodeGoJson,
  GorillaCodec,
  type GoValue,
  SecureCookie,
} from '../../src/gorilla/index.js';

interface Vector {
  id: string;
  kind: 'live' | 'fixed' | 'reject';
  name: string;
  decodeName?: string;
  hashKeyHex: string;
  blockKeyHex: string;
  encoder: 'gob' | 'json';
  goType: string;
  values: unknown;
  encoded: string;
  timestamp?: string;
  ivHex?: string;
  plaintextHex?: string;
  payloadB64?: string;
  macHex?: string;
  maxAge?: number;
  expectError?: string;
}

// A copy of /work/shared/interop/gorilla-securecookie.jsonl (91 vectors from Go 1.19, securecookie 1.1.1).
const FILE = new URL('./gorilla-securecookie.jsonl', import.meta.url);
const vectors: Vector[] = existsSync(FILE)
  ? readFileSync(FILE, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
  : [];

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const fromHex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));
/** When the live vectors were made; the clock the expiry check runs against. */
const LIVE_NOW = Math.max(...vectors.filter((v) => v.kind === 'live').map((v) => Number(v.timestamp))) * 1000;

function cookieFor(v: Vector, maxAge?: number, engine?: 'web') {
  const pair = { hashKey: v.hashKeyHex, blockKey: v.blockKeyHex || undefined };
  return new SecureCookie([pair], {
    maxAge: maxAge ?? v.maxAge ?? (v.kind === 'live' ? 86400 * 30 : 0),
    now: () => LIVE_NOW,
    engine,
  });
}

/** Go values → the JS values our decoder returns (maps as Maps, objects for JSON). */
function toPlain(value: unknown): unknown {
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [k, toPlain(v)]));
  if (Array.isArray(value)) return value.map(toPlain);
  return value;
}

describe('gorilla/securecookie vectors from Go', () => {
  it('the vector file is there and covers every case', () => {
    assert.ok(vectors.length >= 91, `expected the 91 vectors, found ${vectors.length}`);
    assert.ok(vectors.some((v) => v.kind === 'reject'));
  });

  for (const v of vectors.filter((x) => x.kind !== 'reject')) {
    it(`opens ${v.id}`, async () => {
      for (const engine of [undefined, 'web'] as const) {
        const plain = await cookieFor(v, undefined, engine).decode(v.name, v.encoded);
        assert.equal(hex(plain), v.plaintextHex, 'decoded bytes match the Go plaintext');
      }
      const codec = new GorillaCodec([{ hashKey: v.hashKeyHex, blockKey: v.blockKeyHex || undefined }], {
        encoding: v.encoder,
        maxAge: v.kind === 'live' ? 86400 * 30 : 0,
        now: () => LIVE_NOW,
      });
      const value = await codec.decode(v.name, v.encoded);
      if (v.goType === 'string') {
        assert.equal(value, v.values);
        assert.equal(await codec.decodeId(v.name, v.encoded), v.values);
      } else {
        assert.deepEqual(toPlain(value), v.values);
        const session = await codec.decodeSession(v.name, v.encoded);
        assert.deepEqual(session.values, v.values);
      }
      // Our serialization of the decoded value is Go's, byte for byte.
      const reserialized =
        v.encoder === 'json'
          ? Buffer.from(encodeGoJson(value))
          : typeof value === 'string'
            ? encodeGobString(value)
            : encodeGobMap(value as Map<GoValue, GoValue>);
      assert.equal(hex(reserialized), v.plaintextHex);
    });
  }

  for (const v of vectors.filter((x) => x.kind === 'fixed')) {
    it(`re-encodes ${v.id} byte-exactly`, async () => {
      for (const engine of [undefined, 'web'] as const) {
        const encoded = await cookieFor(v, 0, engine).encode(v.name, fromHex(v.plaintextHex as string), {
          iv: v.ivHex ? fromHex(v.ivHex) : undefined,
          timestamp: Number(v.timestamp),
        });
        assert.equal(encoded, v.encoded);
      }
    });
  }

  for (const v of vectors.filter((x) => x.kind === 'reject')) {
    it(`refuses ${v.id} (${v.expectError})`, async () => {
      for (const engine of [undefined, 'web'] as const) {
        await assert.rejects(cookieFor(v, v.maxAge, engine).decode(v.decodeName ?? v.name, v.encoded), (e: unknown) => {
          assert.ok(e instanceof SessionError && e.code === 'crypto');
          // Same failure as Go reports (its message, minus Go's "caused by" detail).
          assert.ok((v.expectError as string).startsWith(e.message), `${e.message} vs ${v.expectError}`);
          return true;
        });
      }
    });
  }
});

describe('gorilla decoders never crash on hostile input (fast-check)', () => {
  it('decodeGob: random and mutated streams either decode or throw SessionError', () => {
    const valid = fromHex(vectors.find((v) => v.id === 'aes256/gob/multi/fixed')?.plaintextHex as string);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })).map(([i, b]) => {
            const copy = new Uint8Array(valid);
            copy[i] = b;
            return copy;
          }),
        ),
        (bytes) => {
          try {
            decodeGob(bytes);
          } catch (error) {
            assert.ok(error instanceof SessionError, String(error));
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('SecureCookie.decode: arbitrary strings are refused with SessionError', async () => {
    const cookie = new SecureCookie([{ hashKey: 'aa'.repeat(32), blockKey: 'bb'.repeat(32) }], { maxAge: 0 });
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 300 }), async (value) => {
        await assert.rejects(cookie.decode('mysession', value), SessionError);
      }),
      { numRuns: 500 },
    );
  });
});

describe('gorilla codec round trips', () => {
  const pair = { hashKey: 'aa'.repeat(32), blockKey: 'bb'.repeat(32) };

  it('sessions with flashes, ints, floats, bools and unicode survive gob both ways', async () => {
    const codec = new GorillaCodec([pair]);
    const session = {
      values: { user: 'jöhn 🍪', n: 42, neg: -7, big: 2 ** 40, pi: 3.25, ok: true, off: false },
      flashes: { _flash: ['saved', 'again'] },
    };
    const value = await codec.encodeSession('mysession', session);
    assert.deepEqual(await codec.decodeSession('mysession', value), session);
    // The flash list travels as []interface{} behind its own type definition, as Go sends it.
    const plain = await codec.secureCookie.decode('mysession', value);
    assert.ok(Buffer.from(plain).includes(Buffer.from('[]interface {}')));
    assert.deepEqual(toPlain(decodeGob(plain)), { ...session.values, _flash: ['saved', 'again'] });
  });

  it('rotation: encodes with the first pair, decodes with any', async () => {
    const old = new GorillaCodec([pair]);
    const value = await old.encodeId('sid', 'ABC');
    const rotated = new GorillaCodec([{ hashKey: 'cc'.repeat(32), blockKey: 'dd'.repeat(16) }, pair]);
    assert.equal(await rotated.decodeId('sid', value), 'ABC');
    const fresh = await rotated.encodeId('sid', 'XYZ');
    await assert.rejects(old.decodeId('sid', fresh), /not valid/);
  });

  it('gob refuses what it cannot carry, and garbage never decodes', async () => {
    assert.throws(() => encodeGobMap({ nested: { a: 1 } as unknown as GoValue }), /cannot carry/);
    for (const bad of ['', 'ff', '0e', '03ff8100', '0eff81040102ff820001100110000004ff8200', '370c0034']) {
      assert.throws(() => decodeGob(fromHex(bad)), SessionError, bad);
    }
    assert.equal(decodePaddedBase64url('abc'), undefined);
    assert.deepEqual(decodePaddedBase64url('YQ=='), new Uint8Array([97]));
  });
});
