import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWellFormedId, newSessionId } from '../../src/core/id.js';
import { randomBytes } from '../../src/core/platform.js';

describe('randomBytes (pooled CSPRNG draws)', () => {
  it('never hands out the same bytes twice, across many pool refills', () => {
    // 4,000 draws of 32 bytes use up the 4 KiB pool 31 times: an offset that fails to
    // advance, or a pool that is not refilled, would repeat values.
    const seen = new Set<string>();
    for (let i = 0; i < 4000; i++) {
      const bytes = randomBytes(32);
      assert.equal(bytes.length, 32);
      const hex = Buffer.from(bytes).toString('hex');
      assert.ok(!seen.has(hex), `draw ${i} repeated an earlier one`);
      seen.add(hex);
    }
  });

  it('gives a copy: no draw reaches the pool, so no caller can read another session id', () => {
    const first = randomBytes(32);
    assert.equal(first.buffer.byteLength, 32, 'a view of the pool exposes the bytes drawn before and after it');
    const kept = Uint8Array.from(first);
    for (let i = 0; i < 300; i++) randomBytes(17);
    assert.deepEqual(first, kept);
  });

  it('answers odd and large sizes, and is not all zero', () => {
    for (const length of [0, 1, 12, 255, 256, 257, 5000]) {
      const bytes = randomBytes(length);
      assert.equal(bytes.length, length);
      if (length >= 12)
        assert.ok(
          bytes.some((b) => b !== 0),
          `${length} bytes all zero`,
        );
    }
  });

  it('session ids stay 43 base64url characters and distinct', () => {
    const ids = new Set(Array.from({ length: 1000 }, newSessionId));
    assert.equal(ids.size, 1000);
    for (const id of ids) assert.ok(isWellFormedId(id), id);
  });
});
