import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryStore } from '../../src/stores/memory.js';
import { key, record, storeConformance } from '../conformance/store-suite.js';

storeConformance('MemoryStore', { create: () => new MemoryStore() });

describe('MemoryStore', () => {
  it('evicts the least recently used session when full', async () => {
    const store = new MemoryStore({ maxSessions: 2 });
    const [a, b, c] = [key(), key(), key()];
    await store.create(a, record());
    await store.create(b, record());
    await store.get(a); // a is now more recent than b
    await store.create(c, record());
    assert.ok(await store.get(a));
    assert.equal(await store.get(b), undefined);
    assert.ok(await store.get(c));
    assert.equal(store.size, 2);
  });

  it('keeps evicting the least recently used over many evictions, and after being emptied', async () => {
    const store = new MemoryStore({ maxSessions: 3 });
    const keys = Array.from({ length: 8 }, () => key());
    for (const k of keys.slice(0, 4)) await store.create(k, record());
    assert.equal(await store.get(keys[0] as string), undefined, 'the first is evicted');
    for (const k of keys.slice(1, 4)) await store.destroy(k);
    assert.equal(store.size, 0);
    for (const k of keys.slice(4, 7)) await store.create(k, record());
    await store.get(keys[4] as string); // now the most recent
    await store.create(keys[7] as string, record());
    assert.equal(await store.get(keys[5] as string), undefined, 'the least recently used goes, not the oldest created');
    assert.ok(await store.get(keys[4] as string));
    const more = Array.from({ length: 500 }, () => key());
    for (const k of more) await store.create(k, record());
    assert.equal(store.size, 3);
    for (const k of more.slice(-3)) assert.ok(await store.get(k));
    assert.equal(await store.get(more[496] as string), undefined);
  });

  it('hands out copies: changing a read record does not change the store', async () => {
    const store = new MemoryStore();
    const k = key();
    await store.create(k, record({ data: { list: [1] } }));
    const first = await store.get(k);
    assert.ok(first);
    (first.data.list as number[]).push(2);
    assert.deepEqual((await store.get(k))?.data.list, [1]);
  });

  it('follows an injected clock for expiry', async () => {
    let now = 1_000_000;
    const store = new MemoryStore({ now: () => now });
    const k = key();
    await store.create(k, { data: {}, createdAt: now, lastSeenAt: now, expiresAt: now + 1000, deadline: now + 5000 });
    now += 999;
    assert.ok(await store.get(k));
    now += 1;
    assert.equal(await store.get(k), undefined);
  });

  it('refuses a nonsensical size', () => {
    assert.throws(() => new MemoryStore({ maxSessions: 0 }), { name: 'SessionError', code: 'invalid-option' });
  });

  it('warns once when used with NODE_ENV=production', () => {
    const previous = process.env.NODE_ENV;
    const warnings: unknown[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => warnings.push(args);
    try {
      process.env.NODE_ENV = 'production';
      new MemoryStore({ quiet: true });
      assert.equal(warnings.length, 0);
      new MemoryStore();
      new MemoryStore();
      assert.equal(warnings.length, 1);
    } finally {
      console.warn = warn;
      process.env.NODE_ENV = previous;
    }
  });
});
