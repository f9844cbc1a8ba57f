import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Change, SessionRecord } from '../../src/core/store.js';
import { Coalescer } from '../../src/stores/sql/coalesce.js';
import { SessionWrite } from '../../src/stores/sql/session-write.js';

/** A run function whose flights land when the test says so. */
function gated() {
  const runs: Array<{ key: string; write: string[]; land: (ok: boolean) => void; fail: (e: Error) => void }> = [];
  const coalescer = new Coalescer<string[], boolean>(
    (key, write) =>
      new Promise((resolve, reject) => runs.push({ key, write: [...write], land: resolve, fail: reject })),
  );
  const submit = (key: string, part: string) => coalescer.submit(key, (waiting) => [...(waiting ?? []), part]);
  return { runs, submit, coalescer };
}
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('Coalescer', () => {
  it('runs the first write at once and merges the writes that arrive while it is in flight', async () => {
    const { runs, submit } = gated();
    const first = submit('k', 'a');
    assert.deepEqual(
      runs.map((r) => r.write),
      [['a']],
    );
    const rest = [submit('k', 'b'), submit('k', 'c'), submit('k', 'd')];
    assert.equal(runs.length, 1, 'nothing more goes while the first is in flight');
    runs[0]?.land(true);
    assert.equal(await first, true);
    await tick();
    assert.deepEqual(
      runs.map((r) => r.write),
      [['a'], ['b', 'c', 'd']],
    );
    runs[1]?.land(false);
    assert.deepEqual(await Promise.all(rest), [false, false, false], 'every merged caller gets the answer');
    // Idle again: the next write goes at once.
    const again = submit('k', 'e');
    assert.deepEqual(runs[2]?.write, ['e']);
    runs[2]?.land(true);
    assert.equal(await again, true);
  });

  it('keeps keys apart', async () => {
    const { runs, submit } = gated();
    const a = submit('a', '1');
    const b = submit('b', '1');
    assert.deepEqual(
      runs.map((r) => r.key),
      ['a', 'b'],
    );
    for (const run of runs) run.land(true);
    assert.deepEqual(await Promise.all([a, b]), [true, true]);
  });

  it('a failed flight fails its own callers only, and the waiting write still goes', async () => {
    const { runs, submit } = gated();
    const first = submit('k', 'a');
    const second = submit('k', 'b');
    runs[0]?.fail(new Error('down'));
    await assert.rejects(first, /down/);
    await tick();
    assert.deepEqual(runs[1]?.write, ['b']);
    runs[1]?.fail(new Error('still down'));
    await assert.rejects(second, /still down/);
    const third = submit('k', 'c');
    assert.equal(runs.length, 3, 'the key is free again after failures');
    runs[2]?.land(true);
    assert.equal(await third, true);
  });

  it('a caller whose part throws gets the throw; the others are not affected', async () => {
    const { runs, submit, coalescer } = gated();
    const boom = () => {
      throw new Error('bad value');
    };
    assert.throws(() => coalescer.submit('k', boom), /bad value/);
    const first = submit('k', 'a'); // the failed first submit left the key free
    const second = submit('k', 'b');
    assert.throws(() => coalescer.submit('k', boom), /bad value/);
    runs[0]?.land(true);
    await first;
    await tick();
    assert.deepEqual(runs[1]?.write, ['b']);
    runs[1]?.land(true);
    assert.equal(await second, true);
  });

  it('a run that throws synchronously rejects its caller and frees the key', async () => {
    let calls = 0;
    const coalescer = new Coalescer<number, number>((_key, write) => {
      calls++;
      if (calls === 1) throw new Error('sync');
      return Promise.resolve(write);
    });
    await assert.rejects(
      coalescer.submit('k', () => 1),
      /sync/,
    );
    assert.equal(await coalescer.submit('k', () => 2), 2);
  });
});

// ---- SessionWrite: merging writes equals applying them one after another -----------------

type Op =
  | {
      kind: 'update';
      cleared: boolean;
      data: Record<string, number>;
      set: Record<string, number>;
      deleted: string[];
      flash: boolean;
      t: number;
    }
  | { kind: 'touch'; t: number };

const keyArb = fc.constantFrom('a', 'b', 'c', 'd', '__proto__', 'nul\u0000');
const dataArb = fc.dictionary(keyArb, fc.integer(), { maxKeys: 4 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('update' as const),
    cleared: fc.boolean(),
    data: dataArb,
    set: dataArb,
    deleted: fc.uniqueArray(keyArb, { maxLength: 3 }),
    flash: fc.boolean(),
    t: fc.nat(),
  }),
  fc.record({ kind: fc.constant('touch' as const), t: fc.nat() }),
);

/** A record whose flash and times identify the op that wrote it. */
const recordOf = (op: Op & { kind: 'update' }, i: number): SessionRecord => ({
  data: op.data,
  flash: { note: [i] },
  userId: `user${i}`,
  createdAt: 0,
  lastSeenAt: op.t,
  expiresAt: op.t + 1,
  deadline: 10,
});
const changeOf = (op: Op & { kind: 'update' }): Change => {
  // As a Session tracks it: a key is either set or deleted, never both.
  const deleted = new Set(op.deleted.filter((k) => !Object.hasOwn(op.set, k)));
  return { cleared: op.cleared, set: new Map(Object.entries(op.set)), deleted, flash: op.flash };
};

describe('SessionWrite', () => {
  it('merged writes leave the same row as the writes applied one by one (fast-check)', () => {
    fc.assert(
      fc.property(dataArb, fc.array(opArb, { minLength: 1, maxLength: 6 }), (stored, ops) => {
        // One by one, as the UPDATE statement applies each write.
        let data: Record<string, number> = { ...stored };
        let flash: string | null | undefined;
        let times: number[] = [];
        let userId: string | undefined;
        // Merged.
        const write = new SessionWrite(JSON.stringify);
        ops.forEach((op, i) => {
          if (op.kind === 'touch') {
            write.touch(op.t + 1, op.t);
            times = [op.t + 1, op.t];
            return;
          }
          const record = recordOf(op, i);
          const change = changeOf(op);
          write.update(record, change);
          if (change.cleared) data = { ...record.data } as Record<string, number>;
          else {
            for (const k of change.deleted) delete data[k];
            for (const [k, v] of change.set)
              Object.defineProperty(data, k, { value: v, enumerable: true, writable: true, configurable: true });
          }
          if (change.flash) flash = JSON.stringify(record.flash);
          times = [record.expiresAt, record.lastSeenAt];
          userId = record.userId;
        });
        const set = JSON.parse(write.setText()) as Record<string, number>;
        let merged: Record<string, number>;
        if (write.cleared) merged = set;
        else {
          merged = { ...stored };
          for (const k of write.deleted) delete merged[k];
          for (const [k, v] of Object.entries(set))
            Object.defineProperty(merged, k, { value: v, enumerable: true, writable: true, configurable: true });
        }
        assert.deepEqual(Object.entries(merged).sort(), Object.entries(data).sort());
        assert.equal(write.flash, flash);
        assert.deepEqual([write.expiresAt, write.lastSeenAt], times);
        assert.equal(write.record?.userId, userId);
      }),
      { numRuns: 2000 },
    );
  });

  it('a value that cannot be encoded leaves the write as it was', () => {
    const write = new SessionWrite(JSON.stringify).update(
      recordOf({ kind: 'update', cleared: false, data: {}, set: {}, deleted: [], flash: false, t: 1 }, 0),
      {
        cleared: false,
        set: new Map([['a', 1]]),
        deleted: new Set(['b']),
        flash: false,
      },
    );
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const record = recordOf({ kind: 'update', cleared: false, data: {}, set: {}, deleted: [], flash: true, t: 9 }, 1);
    assert.throws(() =>
      write.update(record, {
        cleared: false,
        set: new Map<string, unknown>([['c', cyclic]]),
        deleted: new Set(['a']),
        flash: true,
      }),
    );
    assert.equal(write.setText(), '{"a":1}');
    assert.deepEqual([...write.deleted], ['b']);
    assert.equal(write.flash, undefined);
    assert.equal(write.expiresAt, 2);
  });
});
