import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { jsonCodec } from '../../src/core/codec.js';
import { fromReply, parseTimes } from '../../src/stores/redis/fields.js';

/** What a `c` or `t` value means: two non-empty parts around its first space, each a finite Number(). */
function reference(value: string): [number, number] | undefined {
  const space = value.indexOf(' ');
  if (space < 1 || space === value.length - 1) return undefined;
  const first = Number(value.slice(0, space));
  const second = Number(value.slice(space + 1));
  return Number.isFinite(first) && Number.isFinite(second) ? [first, second] : undefined;
}

describe('RedisStore fields: the times in c and t', () => {
  it('reads the edge cases as Number() would', () => {
    const values = [
      ...['1796441517826 1796443317826', '0 0', '1 2', '12', '', ' ', ' 1 2', '1 ', '1  2', '1 2 3', '1 2 ', '1e3 5'],
      ...['999999999999999 1', '1 999999999999999', '1234567890123456 1', '1 1234567890123456', '-1 2', '1 -2'],
      ...['Infinity 1', '1 NaN', '0x10 1', '1\t2', '1 2\n', '1.5 2', '01 02', '1   '],
    ];
    for (const value of values) assert.deepEqual(parseTimes(value), reference(value), JSON.stringify(value));
  });

  it('reads any value as Number() would (property)', () => {
    const times = fc.oneof(
      fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => `${a} ${b}`),
      fc.tuple(fc.double(), fc.double()).map(([a, b]) => `${a} ${b}`),
      fc.string({ unit: fc.constantFrom(...'0123456789 .-eE+x') }),
      fc.string({ maxLength: 12 }),
    );
    fc.assert(
      fc.property(times, (value) => assert.deepEqual(parseTimes(value), reference(value))),
      { numRuns: 10_000 },
    );
  });

  it('rebuilds a record only from well-formed c and t', () => {
    const record = fromReply(['c', '10 900', 't', '20 300', '.n', '1', 'u', 'ada'], jsonCodec);
    assert.deepEqual(record, {
      data: { n: 1 },
      createdAt: 10,
      deadline: 900,
      lastSeenAt: 20,
      expiresAt: 300,
      userId: 'ada',
    });
    assert.equal(fromReply(['c', '10 900', 't', '20'], jsonCodec), undefined);
    assert.equal(fromReply(['c', '10', 't', '20 300'], jsonCodec), undefined);
    assert.equal(fromReply(['t', '20 300', '.n', '1'], jsonCodec), undefined);
    assert.equal(fromReply(['c', '10 900', 't', 'x 300'], jsonCodec), undefined);
    // Both values are read through the same scratch space: the second must not leak into the first.
    assert.deepEqual(fromReply(['t', '7 8', 'c', '1 2'], jsonCodec)?.createdAt, 1);
  });

  it('reads a reply of Buffers (ioredis callBuffer) as the same reply of strings', () => {
    const asBuffers = (flat: string[]) => flat.map((part) => Buffer.from(part));
    const whole = ['c', '10 900', 't', '20 300', '.n', '1', 'u', 'ada', 'p', '1', 'a', 'Mozilla/5.0 ü', 'i', '::1'];
    const more = ['f', '{"info":["saved"]}', '.__proto__', '{"x":1}', '.ünï', '"ç"', 'zz', 'ignored'];
    const replies = [whole, [...whole, ...more], ['c', '10 900', 't', '20'], ['t', '7 8', 'c', '1 2'], ['.n', '1']];
    for (const reply of replies)
      assert.deepEqual(fromReply(asBuffers(reply), jsonCodec), fromReply(reply, jsonCodec), JSON.stringify(reply));
    const record = fromReply(asBuffers([...whole, ...more]), jsonCodec);
    assert.equal(Object.getPrototypeOf(record?.data), Object.prototype, 'a __proto__ key stays a plain own key');
    assert.deepEqual(record?.data.ünï, 'ç');
  });

  it('reads the times from Buffers as Number() would (property)', () => {
    const times = fc.oneof(
      fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => `${a} ${b}`),
      fc.string({ unit: fc.constantFrom(...'0123456789 .-eE+x') }),
    );
    fc.assert(
      fc.property(times, (value) => {
        const expected = reference(value);
        const record = fromReply(
          [Buffer.from('c'), Buffer.from(value), Buffer.from('t'), Buffer.from('5 6')],
          jsonCodec,
        );
        assert.deepEqual(record && [record.createdAt, record.deadline], expected);
      }),
      { numRuns: 5_000 },
    );
  });
});
