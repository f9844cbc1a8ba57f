import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeJson, jsonCodec } from '../../src/core/codec.js';

describe('JSON codec', () => {
  it('accepts every JSON value and gives it back unchanged (property)', () => {
    // -0 is the one value JSON folds (to 0, which === -0); see the next-but-one test.
    const noNegativeZero = (value: unknown): unknown =>
      Object.is(value, -0)
        ? 0
        : Array.isArray(value)
          ? value.map(noNegativeZero)
          : value && typeof value === 'object'
            ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, noNegativeZero(v)]))
            : value;
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        jsonCodec.validate(value, 'v');
        assert.deepEqual(jsonCodec.decode(jsonCodec.encode(value)), noNegativeZero(value));
      }),
    );
  });

  it('stores -0 as 0 (equal under ===), rather than refusing a common arithmetic result', () => {
    jsonCodec.validate(Math.round(-0.4), 'v');
    assert.equal(jsonCodec.decode(jsonCodec.encode(-0)), 0);
  });

  it('whatever validate accepts round-trips exactly (property)', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withBigInt: true,
          withDate: true,
          withMap: true,
          withSet: true,
          withNullPrototype: true,
          withTypedArray: true,
        }),
        (value) => {
          let accepted = true;
          try {
            jsonCodec.validate(value, 'v');
          } catch (error) {
            assert.equal((error as { code?: string }).code, 'unserializable-value');
            accepted = false;
          }
          if (accepted) {
            const back = jsonCodec.decode(jsonCodec.encode(value));
            // -0 is the one value JSON folds that deepEqual notices; it is harmless here.
            assert.deepEqual(JSON.stringify(back), JSON.stringify(value));
            assert.deepEqual(back, JSON.parse(JSON.stringify(value)));
          }
        },
      ),
    );
  });

  it('refuses what JSON would alter, naming the path', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    const cases: [unknown, RegExp][] = [
      [() => 1, /at v is a function/],
      [Symbol('s'), /symbol/],
      [10n, /BigInt/],
      [undefined, /undefined.*delete/],
      [Number.NaN, /NaN/],
      [Number.POSITIVE_INFINITY, /Infinity/],
      [new Date(0), /Date.*toISOString/],
      [new Map(), /instance of Map/],
      [{ a: { b: [1, undefined] } }, /v\.a\.b\[1\]/],
      [cycle, /circular/],
      [new Array(3), /hole/],
    ];
    for (const [value, message] of cases) {
      assert.throws(() => jsonCodec.validate(value, 'v'), {
        name: 'SessionError',
        code: 'unserializable-value',
        message,
      });
    }
  });

  it('accepts shared (non-circular) references', () => {
    const shared = { x: 1 };
    jsonCodec.validate({ a: shared, b: shared }, 'v');
  });

  describe('decodeJson reads what JSON.parse reads, with the same result or the same error', () => {
    /** JSON.parse's answer, or the class and message of what it throws. */
    const outcome = (decode: (text: string) => unknown, text: string): unknown => {
      try {
        const value = decode(text);
        return { value, negativeZero: Object.is(value, -0) };
      } catch (error) {
        return { threw: (error as Error).constructor.name, message: (error as Error).message };
      }
    };
    const same = (text: string) =>
      assert.deepEqual(outcome(decodeJson, text), outcome(JSON.parse, text), `for ${JSON.stringify(text)}`);

    it('on the edge cases of its direct reads', () => {
      const texts = [
        ...['0', '-0', '7', '-7', '42', '007', '-', '--1', '1-', '+1', '01', '-01', '1.5', '1e3', '1E3', ' 1', '1 '],
        ...['123456789012345', '-123456789012345', '1234567890123456', '9007199254740993', '99999999999999999999'],
        ...['""', '"a"', '"admin"', '"a\\"b"', '"a\\nb"', '"a\tb"', '"a"b"', '"a', 'a"', '"', '"\u2028"', '"é😀"'],
        ...['true', 'false', 'null', 'True', 'nul', 'truex', '[]', '{}', '[1]', '{"a":1}', '', ' ', 'undefined', 'NaN'],
        `"${'x'.repeat(62)}"`,
        `"${'x'.repeat(63)}"`,
        `"${'x'.repeat(200)}"`,
        '"\ud800"',
      ];
      for (const text of texts) same(text);
    });

    it('on any JSON text (property)', () => {
      fc.assert(fc.property(fc.json(), same), { numRuns: 2000 });
    });

    it('on any short string, JSON or not (property)', () => {
      fc.assert(fc.property(fc.string({ maxLength: 20 }), same), { numRuns: 5000 });
      fc.assert(fc.property(fc.string({ unit: fc.constantFrom(...'-0123456789"\\ .eE\ttrue') }), same), {
        numRuns: 5000,
      });
    });

    it('on short numbers and strings of any kind (property)', () => {
      fc.assert(
        fc.property(fc.oneof(fc.integer(), fc.double(), fc.string({ unit: 'binary', maxLength: 70 })), (value) =>
          same(JSON.stringify(value)),
        ),
        { numRuns: 5000 },
      );
    });
  });
});
