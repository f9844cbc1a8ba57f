import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import memjs from 'memjs';
import { isSessionError } from '../../src/core/errors.js';
import { MAX_RELATIVE_EXPTIME, MemcachedStore, exptimeFor } from '../../src/stores/memcached.js';
import { change, key, record, storeConformance } from '../conformance/store-suite.js';
import { freePort } from '../helpers/redis-servers.js';

const SERVERS = process.env.MEMCACHED_SERVERS ?? '127.0.0.1:11211';
const prefix = `skt${process.pid}:`;
const quiet = { logger: { log: () => {} } };

let client: memjs.Client;
storeConformance('MemcachedStore (memjs)', {
  create: () => {
    client = memjs.Client.create(SERVERS, quiet);
    return new MemcachedStore({ client, prefix });
  },
  teardown: () => client.close(),
  partialUpdates: true,
  expiryResolution: 1000,
});

describe('MemcachedStore', () => {
  let c: memjs.Client;
  before(() => {
    c = memjs.Client.create(SERVERS, quiet);
  });
  after(() => c.close());

  it('sends exptime as seconds up to 30 days and as an absolute Unix time beyond', () => {
    const now = 1_700_000_000_000;
    assert.equal(exptimeFor(now + 1500, now), 2);
    assert.equal(exptimeFor(now + MAX_RELATIVE_EXPTIME * 1000, now), MAX_RELATIVE_EXPTIME);
    const far = now + (MAX_RELATIVE_EXPTIME + 1) * 1000;
    assert.equal(exptimeFor(far, now), far / 1000);
    assert.equal(exptimeFor(now - 1, now), 0);
  });

  it('keeps a 60-day remember-me session (absolute exptime) alive on the real server', async () => {
    const store = new MemcachedStore({ client: c, prefix });
    const k = key();
    const sixtyDays = 60 * 24 * 3600 * 1000;
    await store.create(k, record({ persistent: true }, sixtyDays));
    // Had the exptime been sent as a relative 5 184 000 s, memcached would read it as a date in 1970 and drop it.
    const raw = await c.get(`${prefix}${k}`);
    assert.ok(raw.value, 'item is stored');
    assert.ok((await store.get(k))?.persistent);
  });

  it('many concurrent updates of different keys all survive (CAS retries)', async () => {
    const store = new MemcachedStore({ client: c, prefix });
    const k = key();
    const r = record({ data: {} });
    await store.create(k, r);
    await Promise.all(
      Array.from({ length: 12 }, (_, i) => store.update(k, { ...r, data: { [`k${i}`]: i } }, change({ [`k${i}`]: i }))),
    );
    const back = await store.get(k);
    assert.deepEqual(Object.keys(back?.data ?? {}).length, 12);
  });

  it('a commit racing a destroy never brings the session back', async () => {
    const store = new MemcachedStore({ client: c, prefix });
    const k = key();
    const r = record();
    await store.create(k, r);
    await Promise.all([
      store.destroy(k),
      ...Array.from({ length: 10 }, (_, i) => store.update(k, { ...r, data: { i } }, change({ i }))),
    ]);
    assert.equal(await store.get(k), undefined);
    assert.equal((await c.get(`${prefix}${k}`)).value, null);
  });

  it('fails fast with a typed error when memcached is down, and recovers when it returns', async () => {
    const port = await freePort();
    const down = memjs.Client.create(`127.0.0.1:${port}`, { ...quiet, retries: 1, timeout: 0.2 });
    const store = new MemcachedStore({ client: down, prefix, timeout: 300, breakerCooldown: 200 });
    try {
      for (let i = 0; i < 6; i++) {
        const start = performance.now();
        const error = await store.get(key()).then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(isSessionError(error) && ['store-unavailable', 'store-timeout'].includes(error.code), String(error));
        assert.ok(performance.now() - start < 450);
      }
      const server = spawn('memcached', ['-l', '127.0.0.1', '-p', String(port), '-U', '0', '-u', 'root'], {
        stdio: 'ignore',
      });
      try {
        const k = key();
        const until = Date.now() + 10_000;
        let created = false;
        while (!created && Date.now() < until) {
          created = await store.create(k, record()).catch(() => false);
          if (!created) await new Promise((r) => setTimeout(r, 100));
        }
        assert.ok(created, 'recovered after memcached started');
        assert.ok(await store.get(k));
      } finally {
        server.kill('SIGKILL');
      }
    } finally {
      down.close();
    }
  });
});
