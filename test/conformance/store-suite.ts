/**
 * The Store conformance suite: the same cases for every backend. A third-party store
 * runs it with `storeConformance('my store', { create: () => new MyStore(...) })`.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { SessionEvent } from '../../src/core/events.js';
import { createSessions } from '../../src/core/manager.js';
import type { Session } from '../../src/core/session.js';
import type { Change, SessionRecord, Store } from '../../src/core/store.js';

export interface ConformanceOptions {
  /** Makes the store under test (called once per suite). */
  create: () => Store | Promise<Store>;
  /** Cleans up after the suite (drop tables, quit clients). The store's close() is called first. */
  teardown?: () => void | Promise<void>;
  /** The store writes only changed keys, so concurrent changes to different keys both survive. Default true. */
  partialUpdates?: boolean;
  /** The store keeps a per-user index (listByUser / destroyByUser). Default: detected from the store. */
  perUser?: boolean;
  /** Time resolution the backend keeps expiry with, in ms (memcached: 1000). Default 1. */
  expiryResolution?: number;
}

export const key = (): string => randomBytes(32).toString('base64url');

export function record(overrides: Partial<SessionRecord> = {}, ttl = 60_000): SessionRecord {
  const now = Date.now();
  return {
    data: { n: 1, name: 'ada' },
    createdAt: now,
    lastSeenAt: now,
    expiresAt: now + ttl,
    deadline: now + ttl * 2,
    ...overrides,
  };
}

export function change(set: Record<string, unknown> = {}, deleted: string[] = [], extra: Partial<Change> = {}): Change {
  return { cleared: false, set: new Map(Object.entries(set)), deleted: new Set(deleted), flash: false, ...extra };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function storeConformance(name: string, options: ConformanceOptions): void {
  describe(`Store conformance: ${name}`, () => {
    let store: Store;
    const resolution = options.expiryResolution ?? 1;
    // A short expiry the backend can represent, and a wait that is surely past it.
    const shortTtl = Math.max(300, resolution * 2);
    const pastShortTtl = shortTtl + resolution + 400;

    before(async () => {
      store = await options.create();
    });
    after(async () => {
      await store?.close?.();
      await options.teardown?.();
    });

    it('returns undefined for a key it never saw, whatever the key looks like', async () => {
      assert.equal(await store.get(key()), undefined);
      assert.equal(await store.get('not/a:hash%00 \u00e9'), undefined);
    });

    it('creates and reads back every field of a record', async () => {
      const k = key();
      const r = record({
        data: { n: 1, nested: { list: [1, 'two', null, true], deep: { x: 1.5 } }, empty: {}, s: '' },
        flash: { info: ['saved', { html: false }] },
        userId: 'user-1',
        persistent: true,
        client: { userAgent: 'Mozilla/5.0 (test)', ip: '203.0.113.9' },
      });
      assert.equal(await store.create(k, r), true);
      const back = await store.get(k);
      assert.deepEqual(back, r);
    });

    it('keeps optional fields absent when they were absent', async () => {
      const k = key();
      const r = record();
      await store.create(k, r);
      const back = await store.get(k);
      assert.ok(back);
      assert.equal(back.userId, undefined);
      assert.ok(!back.flash || Object.keys(back.flash).length === 0);
      assert.ok(!back.persistent);
      assert.equal(back.client, undefined);
    });

    it('create is create-only: an existing key is left untouched', async () => {
      const k = key();
      await store.create(k, record({ data: { owner: 'first' } }));
      assert.equal(await store.create(k, record({ data: { owner: 'second' } })), false);
      assert.deepEqual((await store.get(k))?.data, { owner: 'first' });
    });

    it('exactly one of many concurrent creates of one key wins', async () => {
      const k = key();
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => store.create(k, record({ data: { writer: i } }))),
      );
      assert.equal(results.filter(Boolean).length, 1);
      const winner = results.indexOf(true);
      assert.deepEqual((await store.get(k))?.data, { writer: winner });
    });

    it('update is update-only: a missing key is not brought back', async () => {
      const k = key();
      assert.equal(await store.update(k, record({ data: { zombie: true } }), change({ zombie: true })), false);
      assert.equal(await store.get(k), undefined);
    });

    it('update after destroy returns false and writes nothing (no resurrection after logout)', async () => {
      const k = key();
      const r = record();
      await store.create(k, r);
      assert.equal(await store.destroy(k), true);
      const late = { ...r, data: { ...r.data, late: true } };
      assert.equal(await store.update(k, late, change({ late: true })), false);
      assert.equal(await store.get(k), undefined);
    });

    it('update writes changed keys, deletions and metadata', async () => {
      const k = key();
      const r = record({ data: { a: 1, b: 2, c: 3 } });
      await store.create(k, r);
      const next: SessionRecord = {
        ...r,
        data: { a: 10, c: 3, d: 'new' },
        lastSeenAt: r.lastSeenAt + 1000,
        expiresAt: r.expiresAt + 1000,
        userId: 'user-2',
      };
      assert.equal(await store.update(k, next, change({ a: 10, d: 'new' }, ['b'])), true);
      const back = await store.get(k);
      assert.deepEqual(back?.data, { a: 10, c: 3, d: 'new' });
      assert.equal(back?.userId, 'user-2');
      assert.equal(back?.expiresAt, next.expiresAt);
      assert.equal(back?.lastSeenAt, next.lastSeenAt);
      assert.equal(back?.createdAt, r.createdAt);
      assert.equal(back?.deadline, r.deadline);
    });

    describe('update of data only (change.meta false: user, persistence and client as loaded)', () => {
      const dataOnly = (set: Record<string, unknown> = {}, deleted: string[] = [], extra: Partial<Change> = {}) =>
        change(set, deleted, { meta: false, ...extra });

      it('is update-only: a missing, destroyed or expired record is not brought back', async () => {
        assert.equal(await store.update(key(), record(), dataOnly({ zombie: true })), false);
        const k = key();
        const r = record();
        await store.create(k, r);
        await store.destroy(k);
        assert.equal(await store.update(k, { ...r, data: { ...r.data, late: true } }, dataOnly({ late: true })), false);
        assert.equal(await store.get(k), undefined);
        assert.equal(await store.create(k, record({ data: { again: true } })), true, 'the key is free again');
        assert.deepEqual((await store.get(k))?.data, { again: true });
        const short = key();
        await store.create(short, record({}, shortTtl));
        await sleep(pastShortTtl);
        assert.equal(await store.update(short, record(), dataOnly({ x: 1 })), false);
        assert.equal(await store.get(short), undefined);
      });

      it('writes set and deleted keys, flashes and times, and keeps the rest of the record', async () => {
        const k = key();
        const r = record({
          data: { a: 1, b: 2 },
          userId: 'ada',
          persistent: true,
          client: { userAgent: 'UA/1', ip: '192.0.2.1' },
        });
        await store.create(k, r);
        const next: SessionRecord = {
          ...r,
          data: { a: 10, c: 'new' },
          flash: { info: ['saved'] },
          lastSeenAt: r.lastSeenAt + 1000,
          expiresAt: r.expiresAt + 1000,
        };
        assert.equal(await store.update(k, next, dataOnly({ a: 10, c: 'new' }, ['b'], { flash: true })), true);
        const back = await store.get(k);
        assert.deepEqual(back?.data, { a: 10, c: 'new' });
        assert.deepEqual(back?.flash, { info: ['saved'] });
        assert.equal(back?.expiresAt, next.expiresAt);
        assert.equal(back?.lastSeenAt, next.lastSeenAt);
        assert.equal(back?.createdAt, r.createdAt);
        assert.equal(back?.deadline, r.deadline);
        assert.equal(back?.userId, 'ada');
        assert.equal(back?.persistent, true);
        assert.deepEqual(back?.client, r.client);
        assert.equal(await store.update(k, { ...next, flash: undefined }, dataOnly({}, [], { flash: true })), true);
        const read = await store.get(k);
        assert.ok(!read?.flash || Object.keys(read.flash).length === 0);
      });

      it('moves the expiry: the record outlives its old one', async () => {
        const k = key();
        const r = record({ deadline: Date.now() + 600_000 }, shortTtl);
        await store.create(k, r);
        const later = { ...r, data: { ...r.data, n: 2 }, lastSeenAt: Date.now(), expiresAt: Date.now() + 60_000 };
        assert.equal(await store.update(k, later, dataOnly({ n: 2 })), true);
        await sleep(pastShortTtl);
        assert.equal((await store.get(k))?.data.n, 2);
      });

      it('with times false (the sliding expiry was not due) writes the data, keeps the expiry, and stays update-only', async () => {
        const unslid = { times: false };
        const k = key();
        const r = record({ deadline: Date.now() + 600_000 }, shortTtl);
        await store.create(k, r);
        assert.equal(await store.update(k, { ...r, data: { ...r.data, n: 3 } }, dataOnly({ n: 3 }, [], unslid)), true);
        const back = await store.get(k);
        assert.equal(back?.data.n, 3);
        assert.equal(back?.expiresAt, r.expiresAt);
        assert.equal(back?.lastSeenAt, r.lastSeenAt);
        await sleep(pastShortTtl);
        assert.equal(await store.get(k), undefined, 'expires when it would have');
        const gone = key();
        await store.create(gone, record());
        await store.destroy(gone);
        assert.equal(await store.update(gone, record(), dataOnly({ late: true }, [], unslid)), false);
        assert.equal(await store.get(gone), undefined);
      });

      if (options.partialUpdates !== false) {
        it('two concurrent requests changing different keys both keep their change', async () => {
          const k = key();
          const r = record({ data: { a: 0, b: 0, c: 0 } });
          await store.create(k, r);
          await Promise.all([
            store.update(k, { ...r, data: { a: 1, b: 0, c: 0 } }, dataOnly({ a: 1 })),
            store.update(k, { ...r, data: { a: 0, b: 1, c: 0 } }, dataOnly({ b: 1 })),
            store.update(k, { ...r, data: { a: 0, b: 0 } }, dataOnly({}, ['c'])),
          ]);
          assert.deepEqual((await store.get(k))?.data, { a: 1, b: 1 });
        });
      }
    });

    it('update with cleared replaces the whole data', async () => {
      const k = key();
      const r = record({ data: { a: 1, b: 2 } });
      await store.create(k, r);
      await store.update(k, { ...r, data: { only: true } }, change({ only: true }, [], { cleared: true }));
      assert.deepEqual((await store.get(k))?.data, { only: true });
    });

    it('update writes flash messages when they changed, and removes them when read', async () => {
      const k = key();
      const r = record();
      await store.create(k, r);
      await store.update(k, { ...r, flash: { error: ['bad password'] } }, change({}, [], { flash: true }));
      assert.deepEqual((await store.get(k))?.flash, { error: ['bad password'] });
      await store.update(k, { ...r, flash: undefined }, change({}, [], { flash: true }));
      const back = await store.get(k);
      assert.ok(!back?.flash || Object.keys(back.flash).length === 0);
    });

    it('touch moves the expiry of an existing record, and refuses a missing one', async () => {
      const k = key();
      const r = record();
      await store.create(k, r);
      assert.equal(await store.touch(k, r.expiresAt + 5000, r.lastSeenAt + 5000), true);
      const back = await store.get(k);
      assert.equal(back?.expiresAt, r.expiresAt + 5000);
      assert.equal(back?.lastSeenAt, r.lastSeenAt + 5000);
      assert.deepEqual(back?.data, r.data);
      assert.equal(await store.touch(key(), Date.now() + 5000, Date.now()), false);
    });

    it('destroy reports whether the record existed', async () => {
      const k = key();
      await store.create(k, record());
      assert.equal(await store.destroy(k), true);
      assert.equal(await store.get(k), undefined);
      assert.equal(await store.destroy(k), false);
    });

    it('never returns an expired record, and lets its key be created again', async () => {
      const k = key();
      await store.create(k, record({}, shortTtl));
      assert.ok(await store.get(k));
      await sleep(pastShortTtl);
      assert.equal(await store.get(k), undefined);
      assert.equal(await store.update(k, record(), change({ x: 1 })), false);
      assert.equal(await store.touch(k, Date.now() + 60_000, Date.now()), false);
      assert.equal(await store.create(k, record({ data: { again: true } })), true);
      assert.deepEqual((await store.get(k))?.data, { again: true });
    });

    it('touch extends the life of a record that would otherwise expire', async () => {
      const k = key();
      const r = record({ deadline: Date.now() + 600_000 }, shortTtl);
      await store.create(k, r);
      assert.equal(await store.touch(k, Date.now() + 60_000, Date.now()), true);
      await sleep(pastShortTtl);
      assert.ok(await store.get(k));
    });

    it('keeps large values and unicode keys and values intact', async () => {
      const k = key();
      const big = 'x'.repeat(256 * 1024);
      const data = {
        big,
        'ключ 🔑': 'значение ✓',
        emoji: '👩‍💻🚀',
        rtl: 'مرحبا',
        quotes: `'"\\\``,
        control: 'line\nbreak\ttab\u0000nul\u2028sep',
        lone: 'surrogates are not asked for',
        numbers: [0, -1, 1e21, 2 ** 53 - 1, 0.1],
      };
      await store.create(k, record({ data }));
      assert.deepEqual((await store.get(k))?.data, data);
      await store.update(k, record({ data: { ...data, 'ключ 🔑': 'новое' } }), change({ 'ключ 🔑': 'новое' }));
      assert.equal((await store.get(k))?.data['ключ 🔑'], 'новое');
    });

    it('keeps a data key named __proto__ as a plain key, never as the prototype', async () => {
      const k = key();
      const data: Record<string, unknown> = { a: 1 };
      Object.defineProperty(data, '__proto__', { value: { admin: true }, enumerable: true, writable: true });
      await store.create(k, record({ data }));
      const read = (await store.get(k))?.data as Record<string, unknown>;
      assert.ok(Object.hasOwn(read, '__proto__'));
      assert.equal(Object.getPrototypeOf(read), Object.prototype);
      assert.equal((read as { admin?: unknown }).admin, undefined);
      // Added by an update to a record that did not have it yet.
      const k2 = key();
      await store.create(k2, record({ data: { a: 1 } }));
      const next: Record<string, unknown> = { a: 1 };
      Object.defineProperty(next, '__proto__', { value: 2, enumerable: true, writable: true });
      await store.update(k2, record({ data: next }), change(next));
      const again = (await store.get(k2))?.data as Record<string, unknown>;
      assert.equal(Object.getOwnPropertyDescriptor(again, '__proto__')?.value, 2);
      assert.equal(Object.getPrototypeOf(again), Object.prototype);
    });

    if (options.partialUpdates !== false) {
      it('two concurrent requests changing different keys both keep their change', async () => {
        const k = key();
        const r = record({ data: { a: 0, b: 0 } });
        await store.create(k, r);
        // Both requests loaded { a: 0, b: 0 }; each changes one key.
        const fromA: SessionRecord = { ...r, data: { a: 1, b: 0 } };
        const fromB: SessionRecord = { ...r, data: { a: 0, b: 1 } };
        await Promise.all([store.update(k, fromA, change({ a: 1 })), store.update(k, fromB, change({ b: 1 }))]);
        assert.deepEqual((await store.get(k))?.data, { a: 1, b: 1 });
      });

      it('a concurrent delete of one key and set of another both apply', async () => {
        const k = key();
        const r = record({ data: { a: 1, b: 1 } });
        await store.create(k, r);
        await Promise.all([
          store.update(k, { ...r, data: { b: 1 } }, change({}, ['a'])),
          store.update(k, { ...r, data: { a: 1, b: 2 } }, change({ b: 2 })),
        ]);
        assert.deepEqual((await store.get(k))?.data, { b: 2 });
      });
    }

    const perUser = () => options.perUser ?? typeof store.listByUser === 'function';

    it('per-user index: lists, destroys one user, keeps another (when offered)', async (t) => {
      if (!perUser()) return t.skip('store keeps no per-user index');
      const alice = `alice-${key()}`;
      const bob = `bob-${key()}`;
      const [a1, a2, a3, b1] = [key(), key(), key(), key()];
      await store.create(
        a1,
        record({ userId: alice, createdAt: 1000, client: { userAgent: 'phone', ip: '198.51.100.1' } }),
      );
      await store.create(a2, record({ userId: alice, createdAt: 2000 }));
      await store.create(a3, record({ userId: alice, createdAt: 3000 }));
      await store.create(b1, record({ userId: bob }));
      const list = await store.listByUser!(alice);
      assert.deepEqual(list.map((s) => s.key).sort(), [a1, a2, a3].sort());
      const first = list.find((s) => s.key === a1);
      assert.equal(first?.userId, alice);
      assert.equal(first?.createdAt, 1000);
      assert.deepEqual(first?.client, { userAgent: 'phone', ip: '198.51.100.1' });
      assert.equal(await store.destroyByUser!(alice, a2), 2);
      assert.equal(await store.get(a1), undefined);
      assert.ok(await store.get(a2));
      assert.equal(await store.get(a3), undefined);
      assert.deepEqual(
        (await store.listByUser!(alice)).map((s) => s.key),
        [a2],
      );
      assert.equal((await store.listByUser!(bob)).length, 1);
      assert.equal(await store.destroyByUser!(alice), 1);
      assert.deepEqual(await store.listByUser!(alice), []);
    });

    it('per-user index follows destroy, expiry and a change of user (when offered)', async (t) => {
      if (!perUser()) return t.skip('store keeps no per-user index');
      const carol = `carol-${key()}`;
      const dave = `dave-${key()}`;
      const gone = key();
      const short = key();
      const moved = key();
      await store.create(gone, record({ userId: carol }));
      await store.create(short, record({ userId: carol }, shortTtl));
      const r = record({ userId: carol });
      await store.create(moved, r);
      await store.destroy(gone);
      await store.update(moved, { ...r, userId: dave }, change());
      await sleep(pastShortTtl);
      assert.deepEqual(await store.listByUser!(carol), []);
      assert.deepEqual(
        (await store.listByUser!(dave)).map((s) => s.key),
        [moved],
      );
      assert.equal(await store.destroyByUser!(carol), 0);
    });

    it('prune removes expired records and keeps live ones (when offered)', async (t) => {
      if (typeof store.prune !== 'function') return t.skip('store expires records natively');
      const dead = key();
      const live = key();
      await store.create(dead, record({}, shortTtl));
      await store.create(live, record());
      await sleep(pastShortTtl);
      const removed = await store.prune();
      assert.ok(removed >= 1, `prune removed ${removed}`);
      assert.equal(await store.get(dead), undefined);
      assert.ok(await store.get(live));
    });

    it('count reports live sessions (when offered)', async (t) => {
      if (typeof store.count !== 'function') return t.skip('store cannot count cheaply');
      const before = await store.count();
      await store.create(key(), record());
      assert.ok((await store.count()) >= before + 1);
    });

    it('carries a periodic id renewal through the manager: the old id follows for the grace window only', async (t) => {
      if (store.maxSessionsPerUser) return t.skip('the store caps sessions per user itself, which renewal refuses');
      // The manager's clock runs ahead of the store's; records expire later than it thinks, never sooner.
      let offset = 0;
      const events: SessionEvent[] = [];
      const sessions = createSessions({
        store,
        now: () => Date.now() + offset,
        cleanupInterval: false,
        renewal: { every: 15 * 60_000, grace: 30_000 },
        onEvent: (e) => events.push(e),
      });
      const request = async (cookie: string | undefined, fn: (s: Session) => void = () => {}) => {
        const session = await sessions.load({ cookie });
        fn(session);
        const { cookies } = await sessions.commit(session);
        return { session, cookie: cookies[0]?.split(';')[0] };
      };
      const user = `renewed-${key()}`;
      const first = await request(undefined, (s) => {
        s.set('cart', 1);
        s.userId = user;
      });
      offset += 15 * 60_000 + 1;
      const renewed = await request(first.cookie);
      assert.ok(renewed.cookie && renewed.cookie !== first.cookie, 'a new id is issued');
      offset += 5_000;
      const late = await request(first.cookie, (s) => s.set('late', true));
      assert.equal(late.session.get('cart'), 1);
      assert.equal(late.cookie, undefined);
      const current = await request(renewed.cookie);
      assert.equal(current.session.get('late'), true, 'a write through the old id reached the new record');
      if (perUser()) {
        assert.deepEqual(
          (await store.listByUser!(user)).map((s) => s.key),
          [sessions.keyOf(current.session)],
        );
      }
      offset += 30_000;
      assert.equal((await request(first.cookie)).session.isNew, true, 'the old id is refused after the grace window');
      assert.ok(events.some((e) => e.type === 'invalid-cookie' && e.reason === 'renewed'));
      assert.equal((await request(renewed.cookie)).session.get('cart'), 1);
    });
  });
}
