import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { createSessions } from '../../src/core/manager.js';
import { RedisStore } from '../../src/stores/redis.js';
import { Script } from '../../src/stores/redis/driver.js';
import * as scripts from '../../src/stores/redis/scripts.js';
import { change, key, record, storeConformance } from '../conformance/store-suite.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const runId = `t${process.pid}-${Date.now()}:`;

let io: Redis;
storeConformance('RedisStore (ioredis)', {
  create: () => {
    io = new Redis(REDIS_URL);
    const store = new RedisStore({ client: io, prefix: `sk-test:${runId}io:` });
    assert.equal(store.mode, 'standalone');
    return store;
  },
  teardown: async () => {
    await io.quit();
  },
});

// With auto-pipelining, a data-only update goes as one pipeline of plain commands, as on node-redis.
let ioAuto: Redis;
storeConformance('RedisStore (ioredis, enableAutoPipelining)', {
  create: () => {
    ioAuto = new Redis(REDIS_URL, { enableAutoPipelining: true });
    return new RedisStore({ client: ioAuto, prefix: `sk-test:${runId}ioa:` });
  },
  teardown: async () => {
    await ioAuto.quit();
  },
});

let nr: ReturnType<typeof createClient>;
storeConformance('RedisStore (node-redis)', {
  create: async () => {
    nr = createClient({ url: REDIS_URL });
    await nr.connect();
    return new RedisStore({ client: nr, prefix: `sk-test:${runId}nr:` });
  },
  teardown: async () => {
    await nr.quit();
  },
});

// RESP3: HGETALL answers a map, scripts' replies come typed; the store must read both.
let nr3: ReturnType<typeof createClient>;
storeConformance('RedisStore (node-redis, RESP3)', {
  create: async () => {
    nr3 = createClient({ url: REDIS_URL, RESP: 3 });
    await nr3.connect();
    return new RedisStore({ client: nr3, prefix: `sk-test:${runId}nr3:` });
  },
  teardown: async () => {
    await nr3.quit();
  },
});

/**
 * Wraps an ioredis or node-redis client so the test sees every command the store sends (the
 * server is real), and its round trips: commands sent in one synchronous stretch go out
 * together and wait for their replies once. `before` runs ahead of each command, on the
 * same connection. `commands` and `trips` give command names in uppercase; `names` keeps
 * every name as the store sent it.
 */
function recording<C extends object>(
  client: C,
  before?: (command: string[], send: (args: string[]) => unknown) => void,
): { client: C; commands: string[][]; trips: string[][][]; names: string[] } {
  const commands: string[][] = [];
  const trips: string[][][] = [];
  const names: string[] = [];
  let open: string[][] | undefined;
  const note = (sent: string[]) => {
    names.push(sent[0] as string);
    const command = [(sent[0] as string).toUpperCase(), ...sent.slice(1)];
    commands.push(command);
    if (open === undefined) {
      open = [];
      trips.push(open);
      queueMicrotask(() => {
        open = undefined;
      });
    }
    open.push(command);
  };
  const proxy = new Proxy(client, {
    get(target, prop, receiver) {
      const t = target as unknown as {
        call(...args: string[]): Promise<unknown>;
        callBuffer(...args: string[]): Promise<unknown>;
        sendCommand(args: string[], options?: object): Promise<unknown>;
      };
      if (prop === 'call' || prop === 'callBuffer') {
        return (...args: string[]) => {
          before?.(args, (extra) => t.call(...extra));
          note(args.map(String));
          return t[prop](...args);
        };
      }
      if (prop === 'sendCommand') {
        return (args: string[], options?: object) => {
          before?.(args, (extra) => t.sendCommand(extra));
          note(args.map(String));
          return t.sendCommand(args, options);
        };
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { client: proxy, commands, trips, names };
}

describe('RedisStore on a real Redis', () => {
  let client: Redis;
  let autoClient: Redis;
  let nrClient: ReturnType<typeof createClient>;
  const prefix = `sk-test:${runId}b:`;
  before(async () => {
    client = new Redis(REDIS_URL);
    autoClient = new Redis(REDIS_URL, { enableAutoPipelining: true });
    nrClient = createClient({ url: REDIS_URL });
    await nrClient.connect();
  });
  after(async () => {
    await client.quit();
    await autoClient.quit();
    await nrClient.quit();
  });

  it('keeps a session as one hash with PEXPIREAT equal to expiresAt, under the prefix', async () => {
    const store = new RedisStore({ client, prefix });
    const k = key();
    const r = record({ userId: 'u-layout', client: { userAgent: 'UA', ip: '192.0.2.1' } });
    await store.create(k, r);
    assert.equal(await client.type(`${prefix}s:${k}`), 'hash');
    assert.equal(Number(await client.call('PEXPIRETIME', `${prefix}s:${k}`)), r.expiresAt);
    const hash = await client.hgetall(`${prefix}s:${k}`);
    assert.deepEqual(hash, {
      c: `${r.createdAt} ${r.deadline}\n192.0.2.1\nUA`,
      t: `${r.lastSeenAt} ${r.expiresAt}`,
      u: 'u-layout',
      '.n': '1',
      '.name': '"ada"',
    });
    assert.equal(await client.type(`${prefix}u:u-layout`), 'zset');
    assert.equal(Number(await client.zscore(`${prefix}u:u-layout`, k)), r.deadline);
    await store.touch(k, r.expiresAt + 7000, r.lastSeenAt + 7000);
    assert.equal(Number(await client.call('PEXPIRETIME', `${prefix}s:${k}`)), r.expiresAt + 7000);
    assert.equal(await client.hget(`${prefix}s:${k}`, 't'), `${r.lastSeenAt + 7000} ${r.expiresAt + 7000}`);
    assert.equal(await client.hget(`${prefix}s:${k}`, 'c'), `${r.createdAt} ${r.deadline}\n192.0.2.1\nUA`);
  });

  it('reads the client from the older layout (a and i), and moves it into c on the next metadata write', async () => {
    for (const nodeRedis of [false, true]) {
      const store = new RedisStore({ client: nodeRedis ? nrClient : client, prefix });
      const k = key();
      const user = `u-older-${k}`;
      const r = record({ userId: user });
      await store.create(k, r);
      await client.hset(store.sessionKey(k), 'a', 'Old UA', 'i', '198.51.100.4');
      const older = { ...r, client: { userAgent: 'Old UA', ip: '198.51.100.4' } };
      assert.deepEqual(await store.get(k), older);
      assert.deepEqual(
        (await store.listByUser(user)).map((info) => info.client),
        [older.client],
      );
      // A commit of data alone, with the times as loaded, is one HSET: the metadata stays as it is.
      const dataOnly = change({ n: 2 }, [], { meta: false, times: false });
      assert.equal(await store.update(k, { ...older, data: { ...r.data, n: 2 } }, dataOnly), true);
      assert.equal(await client.hget(store.sessionKey(k), 'a'), 'Old UA');
      const moved = { ...older, data: { ...r.data, n: 2 }, persistent: true };
      assert.equal(await store.update(k, moved, change({})), true);
      const hash = await client.hgetall(store.sessionKey(k));
      assert.equal(hash.c, `${r.createdAt} ${r.deadline}\n198.51.100.4\nOld UA`);
      assert.deepEqual([hash.a, hash.i], [undefined, undefined]);
      assert.deepEqual(await store.get(k), moved);
      assert.deepEqual(
        (await store.listByUser(user)).map((info) => info.client),
        [older.client],
      );
    }
  });

  it('a hash without well-formed times (an older layout, a stray write) is no session, and no list entry', async () => {
    const store = new RedisStore({ client, prefix });
    const old = key();
    await client.hset(store.sessionKey(old), 'c', '1', 'l', '1', 'e', String(Date.now() + 60_000), '.n', '1');
    assert.equal(await store.get(old), undefined);
    const halfOld = key();
    await client.hset(store.sessionKey(halfOld), 'c', '1', 't', `1 ${Date.now() + 60_000}`, '.n', '1');
    assert.equal(await store.get(halfOld), undefined);
    // The load that finds such a hash deletes it (it may have no expiry).
    await client.ping();
    assert.equal(await client.exists(store.sessionKey(old), store.sessionKey(halfOld)), 0);
    const user = `u-malformed-${key()}`;
    const good = key();
    await store.create(good, record({ userId: user }));
    await client.hset(store.sessionKey(good), 't', 'garbage');
    assert.equal(await store.get(good), undefined);
    assert.deepEqual(await store.listByUser(user), []);
  });

  it('a stored value that does not decode fails that load, but does not count against the circuit breaker', async () => {
    const store = new RedisStore({ client, prefix, breakerThreshold: 2 });
    const bad = key();
    await store.create(bad, record());
    await client.hset(`${prefix}s:${bad}`, '.n', '{not json');
    // Redis answered every time: the failure is the data's, so the circuit stays closed.
    for (let i = 0; i < 4; i++) await assert.rejects(store.get(bad), SyntaxError);
    assert.equal(store.circuit, 'closed');
    const good = key();
    await store.create(good, record());
    assert.equal((await store.get(good))?.data.n, 1);
  });

  it('writes only the changed data keys on update (the other fields are not rewritten)', async () => {
    const rec = recording(client);
    const store = new RedisStore({ client: rec.client, prefix });
    const k = key();
    const r = record({ data: { keep: 'x'.repeat(1000), n: 1 } });
    await store.create(k, r);
    rec.commands.length = 0;
    await store.update(k, { ...r, data: { ...r.data, n: 2 } }, change({ n: 2 }));
    assert.equal(rec.commands.length, 1);
    const sent = rec.commands[0]!.join(' ');
    assert.ok(sent.includes('.n 2'));
    assert.ok(!sent.includes('xxxx'), 'the unchanged key was sent again');
    assert.equal((await store.get(k))?.data.keep, 'x'.repeat(1000));
  });

  it('update: metadata written when it changes, removed when it goes, untouched otherwise; clear keeps only the new data', async () => {
    const store = new RedisStore({ client, prefix });
    const k = key();
    const hash = () => client.hgetall(`${prefix}s:${k}`);
    const r = record({ data: { a: 1, b: 2 } });
    await store.create(k, r);
    const signedIn = { ...r, userId: 'u-meta', persistent: true, client: { userAgent: 'UA', ip: '192.0.2.9' } };
    assert.equal(await store.update(k, signedIn, change({})), true);
    let h = await hash();
    assert.deepEqual(
      [h.u, h.p, h.c, h.a, h.i],
      ['u-meta', '1', `${r.createdAt} ${r.deadline}\n192.0.2.9\nUA`, undefined, undefined],
    );
    assert.equal(Number(await client.zscore(`${prefix}u:u-meta`, k)), r.deadline);
    const later = { ...signedIn, lastSeenAt: r.lastSeenAt + 5, expiresAt: r.expiresAt + 5 };
    assert.equal(await store.update(k, later, change({ b: 3 })), true);
    h = await hash();
    assert.deepEqual(
      [h.u, h.p, h.a, h.i, h.c, h.t, h['.a'], h['.b']],
      [
        'u-meta',
        '1',
        undefined,
        undefined,
        `${r.createdAt} ${r.deadline}\n192.0.2.9\nUA`,
        `${later.lastSeenAt} ${later.expiresAt}`,
        '1',
        '3',
      ],
    );
    const { userId: _u, persistent: _p, client: _c, ...signedOut } = later;
    assert.equal(await store.update(k, signedOut, change({})), true);
    h = await hash();
    assert.deepEqual([h.u, h.p, h.c], [undefined, undefined, `${r.createdAt} ${r.deadline}`]);
    assert.equal(await client.zscore(`${prefix}u:u-meta`, k), null, 'left the user index');
    const cleared = { ...signedOut, data: { c: 4 } };
    assert.equal(await store.update(k, cleared, { ...change({}), cleared: true }), true);
    assert.deepEqual(await store.get(k), cleared);
  });

  it('sends a script in full when the server has forgotten it (SCRIPT FLUSH, a restart, a failover)', async () => {
    const rec = recording(client);
    const store = new RedisStore({ client: rec.client, prefix });
    const k = key();
    const r = record();
    await store.create(k, r);
    await client.call('SCRIPT', 'FLUSH');
    rec.commands.length = 0;
    assert.equal(await store.update(k, { ...r, data: { ...r.data, n: 5 } }, change({ n: 5 })), true);
    assert.deepEqual(
      rec.commands.map((c) => c[0]),
      ['EVALSHA', 'EVAL'],
    );
    assert.equal((await store.get(k))?.data.n, 5);
    rec.commands.length = 0;
    await store.update(k, { ...r, data: { ...r.data, n: 6 } }, change({ n: 6 }));
    assert.deepEqual(
      rec.commands.map((c) => c[0]),
      ['EVALSHA'],
      'known again after the full send',
    );
    // Put every script back, so the tests after this one count their commands as usual.
    for (const script of Object.values(scripts)) {
      if (script instanceof Script) await client.call('SCRIPT', 'LOAD', script.source);
    }
  });

  for (const kind of ['ioredis', 'ioredis with enableAutoPipelining', 'node-redis'] as const) {
    it(`costs one round trip per load and per commit, none on a read-only request, never SCAN or KEYS (${kind})`, async () => {
      const rec = recording<object>(kind === 'ioredis' ? client : kind === 'node-redis' ? nrClient : autoClient);
      const store = new RedisStore({ client: rec.client, prefix });
      const sessions = createSessions({ store, cookie: { secure: false } });
      const first = await sessions.load();
      first.set('count', 1);
      const { cookies } = await sessions.commit(first);
      const cookie = cookies[0]!.split(';')[0]!;
      assert.equal(rec.commands.length, 1, 'create = one command');
      rec.commands.length = 0;
      rec.trips.length = 0;
      const read = await sessions.load(cookie);
      assert.equal(read.get('count'), 1);
      await sessions.commit(read);
      assert.deepEqual(
        rec.commands.map((c) => c[0]),
        ['HGETALL'],
        'a read-only request costs one read and no write',
      );
      rec.commands.length = 0;
      const inc = await sessions.load(cookie);
      inc.set('count', 2);
      await sessions.commit(inc);
      // Inside the touch throttle a change of data is one HSET, on every client: the write
      // leaves the expiry alone (no PEXPIREAT).
      const commit = ['HSET'];
      assert.deepEqual(
        rec.trips.map((trip) => trip.map((c) => c[0])),
        [['HGETALL'], ['HGETALL'], commit],
        'load + commit: one round trip each',
      );
      // When the sliding expiry is due (touchAfter 0: on every request), the write moves it.
      // Every client here writes a turn's commands together (node-redis by itself, ioredis
      // corked by the store or auto-pipelined), so HSET and PEXPIREAT go in one round trip.
      const sliding = createSessions({ store, cookie: { secure: false }, touchAfter: 0 });
      rec.trips.length = 0;
      const due = await sliding.load(cookie);
      due.set('count', 3);
      await sliding.commit(due);
      assert.deepEqual(
        rec.trips.map((trip) => trip.map((c) => c[0])),
        [['HGETALL'], ['HSET', 'PEXPIREAT']],
        'a write that slides the expiry',
      );
      rec.commands.length = 0;
      rec.trips.length = 0;
      const login = await sessions.load(cookie);
      login.userId = `u-login-${kind}`;
      await sessions.commit(login);
      assert.deepEqual(
        rec.trips.map((trip) => trip.map((c) => c[0])),
        [['HGETALL'], ['EVALSHA']],
        'a change of user goes through the script, which keeps the index',
      );
      rec.commands.length = 0;
      inc.userId = `u-rt-${kind}`;
      await sessions.listByUser(`u-rt-${kind}`);
      await sessions.destroyByUser(`u-rt-${kind}`);
      assert.ok(rec.commands.every((c) => !/^(SCAN|KEYS)$/i.test(c[0]!)));
      // ioredis gets its names in lowercase (it lowercases each name several times per
      // command), except HGETALL, whose lowercase name makes it turn the reply into an object.
      const expected = (name: string) =>
        kind === 'node-redis' || name.toUpperCase() === 'HGETALL' ? name.toUpperCase() : name.toLowerCase();
      assert.deepEqual(rec.names, rec.names.map(expected), 'command names as each client reads them fastest');
      // SECURITY 6: Redis sees a hash of the id, never the id the cookie carries.
      const id = cookie.split('=')[1]!;
      const all = await client.call('HGETALL', `${prefix}s:${sessions.keyOf(inc)}`);
      assert.ok((all as string[]).length > 0);
      assert.notEqual(sessions.keyOf(inc), id);
      assert.equal(await client.exists(`${prefix}s:${id}`), 0);
    });
  }

  it("ioredis: the commands of one event-loop turn, the app's own among them, leave in one write", async () => {
    const store = new RedisStore({ client, prefix });
    const keys = [key(), key(), key()];
    for (const k of keys) await store.create(k, record());
    await new Promise(setImmediate);
    const socket = client.stream as typeof client.stream & {
      _write: (...args: unknown[]) => void;
      _writev: (...args: unknown[]) => void;
    };
    // Count what reaches the socket's own write methods: one call is one system call.
    let writes = 0;
    const own = { _write: socket._write, _writev: socket._writev };
    socket._write = function (...args) {
      writes++;
      return own._write.apply(this, args);
    };
    socket._writev = function (...args) {
      writes++;
      return own._writev.apply(this, args);
    };
    try {
      const loads = keys.map((k) => store.get(k));
      const mine = client.get(`${prefix}nothing-here`);
      const update = store.update(keys[0]!, record(), change({ n: 2 }, [], { meta: false }));
      assert.equal(socket.writableCorked, 1, 'corked until the turn ends');
      assert.equal(writes, 0);
      const records = await Promise.all(loads);
      assert.equal(await mine, null);
      assert.equal(await update, true);
      assert.ok(records.every((r) => r?.data.n === 1));
      assert.equal(writes, 1, 'three loads, a GET, an HSET and a PEXPIREAT in one write');
      assert.equal(socket.writableCorked, 0, 'uncorked once the turn ended');
    } finally {
      socket._write = own._write;
      socket._writev = own._writev;
    }
    assert.equal((await store.get(keys[0]!))?.data.n, 2);
    // Auto-pipelining gathers a tick's commands by itself: the store leaves that socket alone.
    const auto = new RedisStore({ client: autoClient, prefix });
    const load = auto.get(keys[1]!);
    assert.equal(autoClient.stream.writableCorked, 0);
    assert.equal((await load)?.data.n, 1);
  });

  it('ioredis: a connection dropped while corked costs those calls at most, and the next turn corks the new one', async () => {
    const own = new Redis(REDIS_URL);
    try {
      const store = new RedisStore({ client: own, prefix });
      const k = key();
      await store.create(k, record());
      const old = own.stream;
      const load = store.get(k).then(
        (r) => r?.data.n,
        (error: { code?: string }) => error.code,
      );
      assert.equal(old.writableCorked, 1);
      old.destroy();
      // ioredis sends unanswered commands again once it has reconnected; a store error is
      // the other acceptable outcome. Either way the call settles and nothing hangs.
      assert.ok([1, 'store-error', 'store-unavailable', 'store-timeout'].includes((await load) as never));
      while (own.status !== 'ready') await new Promise((resolve) => setTimeout(resolve, 10));
      assert.notEqual(own.stream, old);
      const again = store.get(k);
      assert.equal(own.stream.writableCorked, 1);
      assert.equal((await again)?.data.n, 1);
      assert.equal(own.stream.writableCorked, 0);
    } finally {
      own.disconnect();
    }
  });

  it('a data-only update to a session that is gone leaves no stray hash and no session, even when the destroy lands just before it', async () => {
    const store = new RedisStore({ client: nrClient, prefix });
    const dataOnly = change({ late: true }, [], { meta: false });
    // Gone before the update: HSET adds the times (t) as a new field.
    const gone = key();
    await store.create(gone, record());
    await store.destroy(gone);
    assert.equal(await store.update(gone, record(), dataOnly), false);
    assert.equal(await client.exists(store.sessionKey(gone)), 0);
    // A hash without a creation time (a stray write whose DEL failed) stays no session,
    // whatever is written into it, and keeps its expiry; the load that finds it deletes it.
    const stray = key();
    await client.hset(store.sessionKey(stray), 't', '1 1');
    await client.pexpire(store.sessionKey(stray), 60_000);
    await store.update(stray, record(), dataOnly);
    assert.ok(Number(await client.pttl(store.sessionKey(stray))) > 0);
    assert.equal(await store.get(stray), undefined);
    await nrClient.ping();
    assert.equal(await client.exists(store.sessionKey(stray)), 0);
    // Without an expiry (the write inside the touch throttle sends no PEXPIREAT) likewise.
    const bare = key();
    await client.hset(store.sessionKey(bare), 't', '1 1', '.late', 'true');
    assert.equal(await store.get(bare), undefined);
    await nrClient.ping();
    assert.equal(await client.exists(store.sessionKey(bare)), 0);
    // Destroyed just before HSET (a DEL sent on the same connection in between):
    // HSET adds the times as a new field, so the update reports the session gone.
    const raced = key();
    await store.create(raced, record());
    const racing = recording<object>(nrClient, (command, send) => {
      if (command[0] === 'HSET') send(['DEL', command[1] as string]);
    });
    const racingStore = new RedisStore({ client: racing.client, prefix });
    assert.equal(await racingStore.update(raced, record(), dataOnly), false);
    assert.deepEqual(
      racing.commands.map((c) => c[0]),
      ['HSET', 'PEXPIREAT', 'DEL'],
    );
    assert.equal(await client.exists(store.sessionKey(raced)), 0);
    assert.equal(await store.get(raced), undefined);
    // The same race when the sliding expiry was not due (no PEXPIREAT in the write).
    const unslid = key();
    await store.create(unslid, record());
    racing.commands.length = 0;
    assert.equal(
      await racingStore.update(unslid, record(), change({ late: true }, [], { meta: false, times: false })),
      false,
    );
    assert.deepEqual(
      racing.commands.map((c) => c[0]),
      ['HSET', 'DEL'],
    );
    assert.equal(await client.exists(store.sessionKey(unslid)), 0);
  });

  it('caps sessions per user, evicting the oldest', async () => {
    const store = new RedisStore({ client, prefix, maxSessionsPerUser: 2 });
    const user = `cap-${key()}`;
    const [a, b, c] = [key(), key(), key()];
    const now = Date.now();
    await store.create(a, record({ userId: user, createdAt: now - 3000, deadline: now + 100_000 }));
    await store.create(b, record({ userId: user, createdAt: now - 2000, deadline: now + 200_000 }));
    await store.create(c, record({ userId: user, createdAt: now - 1000, deadline: now + 300_000 }));
    assert.equal(await store.get(a), undefined, 'the oldest was evicted');
    assert.ok(await store.get(b));
    assert.ok(await store.get(c));
    assert.deepEqual(
      (await store.listByUser(user)).map((s) => s.key),
      [b, c],
    );
    // A login (update that sets the user) counts too.
    const d = key();
    const anon = record({ deadline: now + 400_000 });
    await store.create(d, anon);
    await store.update(d, { ...anon, userId: user }, change());
    assert.equal(await store.get(b), undefined);
    assert.deepEqual((await store.listByUser(user)).map((s) => s.key).sort(), [c, d].sort());
  });

  it('a logout racing a slow commit: the commit cannot bring the session back', async () => {
    const store = new RedisStore({ client, prefix });
    const k = key();
    const r = record({ userId: 'u-race' });
    await store.create(k, r);
    const results = await Promise.all([
      store.destroy(k),
      ...Array.from({ length: 20 }, (_, i) => store.update(k, { ...r, data: { i } }, change({ i }))),
    ]);
    assert.equal(results[0], true);
    // Whatever interleaving happened, the key is gone now.
    assert.equal(await store.get(k), undefined);
    assert.equal(await client.exists(`${prefix}s:${k}`), 0);
  });

  it('validates its options with messages that say what to change', () => {
    assert.throws(() => new RedisStore({} as never), { code: 'invalid-option', message: /client/ });
    assert.throws(() => new RedisStore({ client: {} }), { code: 'invalid-option', message: /ioredis/ });
    assert.throws(() => new RedisStore({ client, maxSessionsPerUser: -1 }), { code: 'invalid-option' });
    assert.throws(() => new RedisStore({ client, timeout: 0 }), { code: 'invalid-option', message: /timeout/ });
    const prefixed = new Redis(REDIS_URL, { keyPrefix: 'app:', lazyConnect: true });
    assert.throws(() => new RedisStore({ client: prefixed }), { code: 'invalid-option', message: /keyPrefix/ });
  });
});
