import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { jsonCodec } from '../../src/core/codec.js';
import type { Change, SessionRecord } from '../../src/core/store.js';
import { allFields, clientOf, fromReply, parseTimes, updateArguments } from '../../src/stores/redis/fields.js';

/**
 * What a `c` or `t` value means: up to its first newline (what follows is `c`'s client), two
 * non-empty parts around its first space, each a finite Number().
 */
function reference(whole: string): [number, number] | undefined {
  const newline = whole.indexOf('\n');
  const value = newline < 0 ? whole : whole.slice(0, newline);
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
      ...['1 2\n::1\nua', '1\n 2', '1 \n2', '\n1 2', '1 2x\n', '1.5 2\nip\n', ' 1 2\n\n'],
    ];
    for (const value of values) assert.deepEqual(parseTimes(value), reference(value), JSON.stringify(value));
  });

  it('reads any value as Number() would (property)', () => {
    const times = fc.oneof(
      fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => `${a} ${b}`),
      fc.tuple(fc.double(), fc.double()).map(([a, b]) => `${a} ${b}`),
      fc.string({ unit: fc.constantFrom(...'0123456789 .-eE+x\n') }),
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
      fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => `${a} ${b}\n::1\nua`),
      fc.string({ unit: fc.constantFrom(...'0123456789 .-eE+x\n') }),
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

describe('RedisStore fields: the client in c', () => {
  const base: SessionRecord = { data: { n: 1 }, createdAt: 10, deadline: 900, lastSeenAt: 20, expiresAt: 300 };
  const read = (flat: string[]) => [
    fromReply(flat, jsonCodec),
    fromReply(
      flat.map((part) => Buffer.from(part)),
      jsonCodec,
    ),
  ];

  it('writes the client after the times in c, and reads it back from strings and Buffers', () => {
    const record: SessionRecord = { ...base, client: { userAgent: 'Mozilla/5.0 ü', ip: '::1' } };
    const fields = allFields(record, jsonCodec);
    assert.deepEqual(fields.slice(0, 2), ['c', '10 900\n::1\nMozilla/5.0 ü']);
    assert.ok(!fields.includes('a') && !fields.includes('i'), 'no field of the older layout');
    for (const back of read(fields)) assert.deepEqual(back, record);
    assert.deepEqual(clientOf(fields[1] as string), record.client);
    assert.equal(clientOf('10 900'), undefined);
  });

  it('keeps either part alone, and reads an empty client as none', () => {
    for (const client of [{ userAgent: 'curl/8' }, { ip: '10.0.0.1' }]) {
      const record: SessionRecord = { ...base, client };
      for (const back of read(allFields(record, jsonCodec))) assert.deepEqual(back, record);
    }
    for (const back of read(['c', '10 900\n\n', 't', '20 300'])) assert.equal(back?.client, undefined);
    assert.deepEqual(allFields({ ...base, client: {} }, jsonCodec).slice(0, 2), ['c', '10 900']);
  });

  it('reads the older layout (a and i) and a user agent holding newlines', () => {
    const older = ['c', '10 900', 't', '20 300', '.n', '1', 'a', 'Mozilla', 'i', '::1'];
    for (const back of read(older)) assert.deepEqual(back?.client, { userAgent: 'Mozilla', ip: '::1' });
    const odd: SessionRecord = { ...base, client: { userAgent: 'line\nbreak\n', ip: '::1' } };
    for (const back of read(allFields(odd, jsonCodec))) assert.deepEqual(back, odd);
  });

  it('keeps an IP holding a newline in a and i, where it cannot be mistaken for the user agent', () => {
    const record: SessionRecord = { ...base, client: { userAgent: 'ua', ip: 'not\nan ip' } };
    const fields = allFields(record, jsonCodec);
    assert.deepEqual(fields.slice(0, 2), ['c', '10 900']);
    for (const back of read(fields)) assert.deepEqual(back, record);
  });

  it('tells the update script to delete a and i when c carries the client', () => {
    const change: Change = {
      meta: true,
      cleared: false,
      times: true,
      flash: false,
      deleted: new Set(),
      set: new Map(),
    };
    const folded = updateArguments({ ...base, client: { userAgent: 'ua', ip: '::1' } }, change, jsonCodec);
    assert.deepEqual(folded.slice(0, 4), ['', '', '', '10 900\n::1\nua']);
    const apart = updateArguments({ ...base, client: { userAgent: 'ua', ip: 'a\nb' } }, change, jsonCodec);
    assert.deepEqual(apart.slice(0, 4), ['', 'ua', 'a\nb', '10 900']);
  });

  it('round-trips any client (property)', () => {
    const part = fc.option(fc.string({ minLength: 1 }), { nil: undefined });
    fc.assert(
      fc.property(part, part, (userAgent, ip) => {
        const client: NonNullable<SessionRecord['client']> = {};
        if (userAgent !== undefined) client.userAgent = userAgent;
        if (ip !== undefined) client.ip = ip;
        const record: SessionRecord = { ...base };
        if (userAgent !== undefined || ip !== undefined) record.client = client;
        for (const back of read(allFields(record, jsonCodec))) assert.deepEqual(back, record);
      }),
      { numRuns: 2_000 },
    );
  });
});
