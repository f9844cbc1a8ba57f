/** Property tests: nothing but the sealer's own output, unchanged, for the same name, ever opens. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { generateKey, KeyRing } from '../../src/core/keyring.js';
import { createSessions } from '../../src/core/manager.js';
import { CookieStore } from '../../src/stores/cookie.js';

const ring = new KeyRing([generateKey(), generateKey()]);
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** A mutation of a string: flip, insert, delete, or truncate at some position. */
const mutation = fc.record({
  kind: fc.constantFrom('replace', 'insert', 'delete', 'truncate', 'append'),
  at: fc.nat(),
  char: fc.constantFrom(...ALPHABET.split(''), '.', '=', '!', ' '),
});

function mutate(value: string, m: { kind: string; at: number; char: string }): string {
  const i = m.at % Math.max(1, value.length);
  switch (m.kind) {
    case 'replace':
      return value.slice(0, i) + m.char + value.slice(i + 1);
    case 'insert':
      return value.slice(0, i) + m.char + value.slice(i);
    case 'delete':
      return value.slice(0, i) + value.slice(i + 1);
    case 'truncate':
      return value.slice(0, i);
    default:
      return value + m.char;
  }
}

describe('fuzzing the opener (fast-check)', () => {
  it('every mutation of a sealed value is refused; the original opens', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 200 }),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        (plaintext, ms) => {
          const sealed = ring.seal('sid', plaintext) as string;
          const opened = ring.open('sid', sealed);
          assert.ok(!(opened instanceof Promise) && opened.ok);
          assert.equal(Buffer.from(opened.plaintext).toString(), plaintext);
          const changed = ms.reduce(mutate, sealed);
          fc.pre(changed !== sealed);
          const result = ring.open('sid', changed);
          assert.ok(!(result instanceof Promise) && !result.ok, `mutation opened: ${changed}`);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('every mutation of a signed value is refused', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.array(mutation, { minLength: 1, maxLength: 3 }), (payload, ms) => {
        const signed = ring.sign('sid', payload) as string;
        const changed = ms.reduce(mutate, signed);
        fc.pre(changed !== signed);
        const result = ring.verify('sid', changed);
        assert.ok(!(result instanceof Promise) && !result.ok);
      }),
      { numRuns: 2000 },
    );
  });

  it('arbitrary strings and bytes never open, never throw', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('base64url')),
        ),
        (value) => {
          const a = ring.open('sid', value);
          const b = ring.verify('sid', value);
          const c = ring.verifyToken('sid', value);
          assert.ok(!(a instanceof Promise) && !a.ok);
          assert.ok(!(b instanceof Promise) && !b.ok);
          assert.ok(!(c instanceof Promise) && !c.ok);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('a sealed value opens only under the name it was sealed for', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9_.-]{1,20}$/), fc.stringMatching(/^[a-z0-9_.-]{1,20}$/), (a, b) => {
        fc.pre(a !== b);
        const result = ring.open(b, ring.seal(a, 'x') as string);
        assert.ok(!(result instanceof Promise) && !result.ok);
      }),
      { numRuns: 500 },
    );
  });

  it('through the manager: any Cookie header either opens to the sealed data or gives a fresh empty session', async () => {
    const manager = createSessions({ store: new CookieStore({ keys: ring }), cleanupInterval: false });
    const session = await manager.load('');
    session.set('secret', 'alice');
    const [cookie] = (await manager.commit(session)).cookies;
    const value = cookie.split(';')[0].slice(4);
    await fc.assert(
      fc.asyncProperty(
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        fc.string({ maxLength: 40 }),
        async (ms, extra) => {
          const changed = ms.reduce(mutate, value);
          fc.pre(changed.trim() !== value); // surrounding whitespace is not part of a cookie value
          const loaded = await manager.load(`sid=${changed}; ${extra}`);
          assert.equal(loaded.get('secret'), undefined);
          assert.equal(loaded.isNew, true);
        },
      ),
      { numRuns: 500 },
    );
  });
});
