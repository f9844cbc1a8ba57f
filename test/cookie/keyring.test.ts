import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { SessionError } from '../../src/core/errors.js';
import { decodeBase64url, generateKey, KeyRing } from '../../src/core/keyring.js';

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

describe('KeyRing', () => {
  const key = generateKey();

  it('keys are 32 random bytes as base64url; short passphrases are refused with a hint (SECURITY 27)', () => {
    assert.match(key, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(decodeBase64url(key)?.length, 32);
    assert.notEqual(generateKey(), key);
    assert.throws(
      () => new KeyRing(['correct horse battery staple']),
      (e: unknown) => e instanceof SessionError && e.code === 'invalid-option' && /sessionkit keygen/.test(e.message),
    );
    assert.throws(() => new KeyRing([new Uint8Array(16)]), SessionError);
    assert.throws(() => new KeyRing([]), SessionError);
    // A long passphrase is stretched with HKDF and works.
    const ring = new KeyRing(['a passphrase that is at least thirty-two bytes long']);
    const opened = ring.open('sid', ring.seal('sid', 'x') as string);
    assert.ok(!(opened instanceof Promise) && opened.ok);
  });

  it('seals with AES-256-GCM: a random nonce every time, the name bound into the AAD (SECURITY 27, 28)', () => {
    const ring = new KeyRing([key]);
    const a = ring.seal('sid', 'same') as string;
    const b = ring.seal('sid', 'same') as string;
    assert.notEqual(a, b, 'nonces are unique');
    assert.ok(!a.includes('same'));
    const opened = ring.open('sid', a);
    assert.ok(!(opened instanceof Promise) && opened.ok && text(opened.plaintext) === 'same');
    assert.deepEqual(ring.open('other', a), { ok: false, reason: 'tampered' }, 'moved to another cookie name');
  });

  it('rotation: seals with the newest, opens with older ones (flagged stale), forgets removed ones (SECURITY 29)', () => {
    const oldKey = generateKey();
    const old = new KeyRing([oldKey]).seal('sid', 'v') as string;
    const rotated = new KeyRing([key, oldKey]);
    const opened = rotated.open('sid', old);
    assert.ok(!(opened instanceof Promise) && opened.ok && opened.stale);
    const fresh = rotated.open('sid', rotated.seal('sid', 'v') as string);
    assert.ok(!(fresh instanceof Promise) && fresh.ok && !fresh.stale);
    assert.deepEqual(new KeyRing([key]).open('sid', old), { ok: false, reason: 'unknown-key' });
  });

  it('refuses a ring listing the same key twice', () => {
    assert.throws(() => new KeyRing([key, key]), /same key id/);
  });

  it('Web Crypto and node:crypto produce and accept the same format, both ways', async () => {
    const node = new KeyRing([key], { engine: 'node' });
    const web = new KeyRing([key], { engine: 'web' });
    assert.equal(node.engine, 'node');
    assert.equal(web.engine, 'web');
    for (const [from, to] of [
      [node, web],
      [web, node],
    ] as const) {
      const sealed = await from.seal('sid', 'héllo');
      const opened = await to.open('sid', sealed);
      assert.ok(opened.ok && text(opened.plaintext) === 'héllo');
      assert.deepEqual(await to.open('sid2', sealed), { ok: false, reason: 'tampered' });
      const signed = await from.sign('sid', '{"a":1}');
      const verified = await to.verify('sid', signed);
      assert.ok(verified.ok && text(verified.plaintext) === '{"a":1}');
      const token = await from.signToken('sid', 'abc');
      assert.deepEqual(await to.verifyToken('sid', token), { ok: true, text: 'abc', stale: false });
      assert.equal((await to.verifyToken('sid', token.replace('abc', 'abd'))).ok, false);
    }
  });

  it('signed mode: readable payload, MAC checked in constant time before anything is parsed', () => {
    const ring = new KeyRing([key]);
    const signed = ring.sign('sid', '{"role":"user"}') as string;
    assert.ok(Buffer.from(signed, 'base64url').toString().includes('"role":"user"'));
    const bytes = Buffer.from(signed, 'base64url');
    const forged = Buffer.from(bytes.toString('latin1').replace('user', 'root'), 'latin1').toString('base64url');
    assert.deepEqual(ring.verify('sid', forged), { ok: false, reason: 'tampered' });
    assert.deepEqual(ring.verify('other', signed), { ok: false, reason: 'tampered' });
  });

  it('rejects non-canonical and non-base64url input without throwing', () => {
    const ring = new KeyRing([key]);
    const sealed = ring.seal('sid', 'x') as string;
    for (const bad of [
      '',
      '!!!!',
      `${sealed}=`,
      `${sealed.slice(0, 10)}`,
      'AQAA',
      sealed.slice(0, -1),
      `${sealed}A`,
      'é'.repeat(40),
    ]) {
      const result = ring.open('sid', bad);
      assert.ok(!(result instanceof Promise) && !result.ok, bad);
    }
    assert.equal(decodeBase64url('AB'), undefined, 'non-zero unused bits');
    assert.deepEqual(decodeBase64url('AA'), Buffer.from([0]));
    // Random garbage of every length never opens.
    for (let n = 0; n < 200; n++) {
      const result = ring.open('sid', randomBytes(n).toString('base64url'));
      assert.ok(!(result instanceof Promise) && !result.ok);
    }
  });
});
