import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { MongoClient } from 'mongodb';
import { decodeKey, encodeKey, MongoStore, type SessionDocument } from '../../src/stores/mongodb.js';
import { change, key, record, storeConformance } from '../conformance/store-suite.js';

const url = process.env.MONGODB_URL;

describe('MongoStore key encoding (no server needed)', () => {
  it('makes every key a valid field name and update path segment, and decodes it back', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (k) => {
        const encoded = encodeKey(k);
        assert.equal(decodeKey(encoded), k);
        assert.ok(encoded.length > 0);
        assert.ok(!encoded.includes('.') && !encoded.includes('$') && !encoded.includes('\u0000'));
      }),
    );
    for (const k of ['', '.', '$set', 'a.b', '%', '%2E', 'nul\u0000', '__proto__'])
      assert.equal(decodeKey(encodeKey(k)), k);
  });
});

describe('MongoStore against an unreachable server (a real driver and socket, nothing listening)', () => {
  it('gives a typed SessionError within the timeout', async () => {
    const client = new MongoClient('mongodb://127.0.0.1:1/?directConnection=true', { serverSelectionTimeoutMS: 300 });
    const store = new MongoStore({
      collection: client.db('test').collection<SessionDocument>('sessions'),
      timeout: 1000,
    });
    const started = Date.now();
    await assert.rejects(store.get(key()), (error: Error & { code?: string }) => {
      assert.equal(error.name, 'SessionError');
      assert.ok(['store-unavailable', 'store-timeout'].includes(error.code ?? ''), error.code);
      return true;
    });
    assert.ok(Date.now() - started < 1500, `took ${Date.now() - started} ms`);
    await client.close();
  });

  it('refuses bad options with a message that says what to change', () => {
    assert.throws(() => new MongoStore({} as never), { code: 'invalid-option', message: /collection/ });
  });
});

if (!url) {
  describe('MongoStore conformance', () => {
    it('SKIPPED: no MongoDB server here; set MONGODB_URL=mongodb://host:27017 to run the conformance suite', (t) => {
      t.skip('MONGODB_URL is not set, so MongoStore was NOT tested against a server');
    });
  });
} else {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 5000 });
  const db = client.db(process.env.MONGODB_DB ?? 'sessionkit_test');
  // Every run uses its own collection, so parallel runs never collide.
  const name = `sk_${process.pid}_${Date.now().toString(36)}`;
  after(async () => {
    await db.dropCollection(name).catch(() => {});
    await db.dropCollection(`${name}_keys`).catch(() => {});
    await client.close();
  });

  storeConformance('MongoStore', {
    create: async () => {
      await client.connect();
      return new MongoStore({ collection: db.collection<SessionDocument>(name) });
    },
  });

  describe('MongoStore', () => {
    it('partial updates address any key: dots, dollars, NUL, empty, __proto__', async () => {
      await client.connect();
      const store = new MongoStore({ collection: db.collection<SessionDocument>(`${name}_keys`) });
      const k = key();
      const odd = ['a.b', '$set', 'nul\u0000key', '', '%2E', "it's", 'x.y.z'];
      const r = record({ data: { ...Object.fromEntries(odd.map((n, i) => [n, i])), nested: { 'a.b': { $x: 1 } } } });
      await store.create(k, r);
      assert.deepEqual((await store.get(k))?.data, r.data);
      const set = Object.fromEntries(odd.slice(0, 3).map((n) => [n, { replaced: n }]));
      assert.ok(await store.update(k, r, change(set, odd.slice(3))));
      assert.deepEqual((await store.get(k))?.data, { ...set, nested: { 'a.b': { $x: 1 } } });
    });
  });
}
