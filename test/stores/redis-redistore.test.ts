/**
 * RedistoreStore: the boj/redistore JSON layout (gin-contrib/sessions' Redis store), on the
 * real Redis. The values written here are what Go's redistore.JSONSerializer would read, and
 * values Go wrote (/work/shared/interop/README.md) are read back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { RedistoreStore } from '../../src/stores/redis.js';
import { goJson } from '../../src/stores/redis/go-json.js';
import { change, key, record, storeConformance } from '../conformance/store-suite.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `session_skt${process.pid}_`;

let io: Redis;
storeConformance('RedistoreStore (Go boj/redistore JSON layout)', {
  create: () => {
    io = new Redis(REDIS_URL);
    return new RedistoreStore({ client: io, keyPrefix: prefix });
  },
  teardown: async () => {
    await io.quit();
  },
  partialUpdates: false,
  perUser: false,
});

/** A Go-style session id: 52 characters of unpadded base32. */
const goId = () =>
  key()
    .replace(/[^A-Z2-7]/gi, '')
    .toUpperCase()
    .padEnd(52, 'A')
    .slice(0, 52);

describe('RedistoreStore and Go', () => {
  let client: Redis;
  before(() => {
    client = new Redis(REDIS_URL);
  });
  after(async () => {
    await client.quit();
  });

  it('reads a session Go wrote with SETEX and the JSON serializer', async () => {
    const store = new RedistoreStore({ client });
    const id = goId();
    await client.setex(`session_${id}`, 2592000, '{"n":2,"user":"john","_flash":["welcome"]}');
    const r = await store.get(id);
    assert.ok(r);
    assert.deepEqual(r.data, { n: 2, user: 'john' });
    assert.deepEqual(r.flash, { _flash: ['welcome'] });
    assert.ok(Math.abs(r.expiresAt - (Date.now() + 2592000 * 1000)) < 2000);
    assert.ok(r.deadline > r.expiresAt - 1, 'a Go session gets a deadline it can slide to');
    await client.del(`session_${id}`);
  });

  it('writes key session_<id>, Go-style JSON (sorted keys, HTML-escaped) and the expiry', async () => {
    const store = new RedistoreStore({ client });
    const id = goId();
    const r = record({ data: { user: 'john', n: 2, html: '<a&b>' } });
    assert.equal(await store.create(id, r), true);
    const raw = (await client.get(`session_${id}`)) as string;
    assert.ok(raw.startsWith('{"__sessionkit":"'), raw.slice(0, 40));
    assert.ok(raw.endsWith(',"html":"\\u003ca\\u0026b\\u003e","n":2,"user":"john"}'), raw);
    assert.equal(Number(await client.call('PEXPIRETIME', `session_${id}`)), r.expiresAt);
    // What Go does on Save: decode into map[string]interface{}, change a value, re-encode, SETEX.
    const goSide = JSON.parse(raw);
    goSide.n = 3;
    await client.setex(`session_${id}`, 600, goJson(goSide));
    const back = await store.get(id);
    assert.deepEqual(back?.data, { user: 'john', n: 3, html: '<a&b>' });
    assert.equal(back?.createdAt, r.createdAt, 'our metadata survives a Go save');
    await store.update(id, { ...back!, data: { ...back!.data, n: 4 } }, change({ n: 4 }));
    assert.equal(JSON.parse((await client.get(`session_${id}`)) as string).n, 4);
    await store.destroy(id);
  });

  it('goJson matches encoding/json for the interop README example', () => {
    assert.equal(goJson({ user: 'john', n: 2 }), '{"n":2,"user":"john"}');
    assert.equal(goJson({ b: ['\u2028'], a: { z: 1, y: '>' } }), '{"a":{"y":"\\u003e","z":1},"b":["\\u2028"]}');
  });
});
