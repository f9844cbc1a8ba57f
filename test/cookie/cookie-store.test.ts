import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SessionError } from '../../src/core/errors.js';
import type { SessionEvent } from '../../src/core/events.js';
import { generateKey, KeyRing } from '../../src/core/keyring.js';
import { createSessions } from '../../src/core/manager.js';
import type { SessionOptions } from '../../src/core/options.js';
import { CookieStore, type CookieStoreOptions } from '../../src/stores/cookie.js';
import { parseSetCookie } from '../helpers/http.js';

const MIN = 60_000;
const KEY = generateKey();

/** A manager over a CookieStore plus a tiny browser jar, driven with an injected clock. */
function setup(storeOptions: Partial<CookieStoreOptions> = {}, options: Partial<SessionOptions> = {}) {
  const clock = { now: 1_700_000_000_000 };
  const events: SessionEvent[] = [];
  const store = new CookieStore({ keys: [KEY], ...storeOptions });
  const manager = createSessions({
    store,
    now: () => clock.now,
    onEvent: (e) => events.push(e),
    cleanupInterval: false,
    idleTimeout: 30 * MIN,
    lifetime: 12 * 60 * MIN,
    ...options,
  });
  const jar = new Map<string, string>();
  const header = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const request = async (fn: (s: Awaited<ReturnType<typeof manager.load>>) => void = () => {}, cookie = header()) => {
    const session = await manager.load({ cookie, host: 'app.example' });
    fn(session);
    const result = await manager.commit(session);
    const set = result.cookies.map(parseSetCookie);
    for (const c of set) {
      if (c.attributes['max-age'] === '0') jar.delete(c.name);
      else jar.set(c.name, c.value);
    }
    return { session, result, set };
  };
  return { clock, events, manager, store, jar, header, request };
}

const random = (n: number) => {
  let s = '';
  while (s.length < n) s += Math.random().toString(36).slice(2);
  return s.slice(0, n);
};

describe('CookieStore through the manager', () => {
  it('keeps the whole session in one sealed cookie; a read-only request sends nothing', async () => {
    const { request, jar, events } = setup();
    const first = await request((s) => {
      s.set('user', 'ada');
      s.flash('info', 'hi');
      s.userId = 'u1';
    });
    assert.equal(first.set.length, 1);
    assert.equal(first.set[0].attributes.httponly, true);
    assert.deepEqual(first.result.headers, [['Cache-Control', 'no-store']]);
    assert.ok(!jar.get('sid')?.includes('ada'), 'sealed, not readable');
    assert.equal(events[0].type, 'created');
    const second = await request((s) => {
      assert.equal(s.get('user'), 'ada');
      assert.equal(s.userId, 'u1');
      assert.equal(s.isNew, false);
    });
    assert.deepEqual(second.result.cookies, [], 'nothing changed, nothing sent');
    const third = await request((s) => assert.deepEqual(s.flashes('info'), ['hi']));
    assert.equal(third.set.length, 1, 'reading a flash changes the session');
    await request((s) => assert.deepEqual(s.flashes('info'), []));
  });

  it('session.id is stable across requests and changes on regenerate()', async () => {
    const { request } = setup();
    const first = await request((s) => s.set('n', 1));
    const id = first.session.id;
    assert.match(id, /^[A-Za-z0-9_-]{43}$/);
    assert.equal((await request()).session.id, id);
    const regenerated = await request((s) => s.regenerate());
    assert.notEqual(regenerated.session.id, id);
    assert.equal(regenerated.set.length, 1);
    assert.equal((await request()).session.id, regenerated.session.id);
  });

  it('expiry lives inside the seal: idle and absolute timeouts are enforced on open', async () => {
    const { request, clock, events, header } = setup();
    await request((s) => s.set('n', 1));
    const stolen = header();
    clock.now += 31 * MIN;
    const { session } = await request(() => {}, stolen);
    assert.equal(session.get('n'), undefined);
    assert.equal(events.at(-1)?.type, 'expired');
    assert.equal(events.at(-1)?.reason, 'idle');

    // Activity slides the idle window (throttled) but never past the absolute deadline.
    const fresh = setup();
    await fresh.request((s) => s.set('n', 1));
    for (let i = 0; i < 30; i++) {
      fresh.clock.now += 25 * MIN;
      const { session: s } = await fresh.request((x) => x.get('n'));
      if (i < 28) assert.equal(s.get('n'), 1, `request ${i}`);
    }
    assert.equal(fresh.events.at(-1)?.reason, 'absolute');
  });

  it('the cache of opened values never skips expiry or revocation checks', async () => {
    const notBefore = new Map<string, number>();
    const { request, header, clock } = setup({ notBefore: (user) => notBefore.get(user) });
    await request((s) => {
      s.userId = 'u1';
      s.set('n', 1);
    });
    const cookie = header();
    assert.equal((await request(() => {}, cookie)).session.get('n'), 1, 'opened');
    assert.equal((await request(() => {}, cookie)).session.get('n'), 1, 'opened again (and cached)');
    assert.equal((await request(() => {}, cookie)).session.get('n'), 1, 'opened from the cache');
    notBefore.set('u1', clock.now + 1);
    assert.equal((await request(() => {}, cookie)).session.get('n'), undefined, 'revoked despite the cache');
    notBefore.clear();
    assert.equal((await request(() => {}, cookie)).session.get('n'), 1);
    clock.now += 31 * MIN;
    assert.equal((await request(() => {}, cookie)).session.get('n'), undefined, 'expired despite the cache');
    const uncached = setup({ openCache: 0 });
    await uncached.request((s) => s.set('n', 2));
    assert.equal((await uncached.request()).session.get('n'), 2);
    assert.throws(() => new CookieStore({ keys: [KEY], openCache: -1 }), /openCache/);
  });

  it('a cookie value is cached from its second arrival; hits are private copies, altered values are decrypted', async () => {
    const { request, header, store } = setup();
    let decrypted = 0;
    const open = store.keyRing.open.bind(store.keyRing);
    store.keyRing.open = (name, value) => {
      decrypted++;
      return open(name, value);
    };
    await request((s) => s.set('n', { list: [1] }));
    const cookie = header();
    const first = await request(() => {}, cookie);
    assert.deepEqual(first.session.get('n'), { list: [1] });
    assert.equal(decrypted, 1, 'a value seen once is decrypted');
    await request(() => {}, cookie);
    assert.equal(decrypted, 2, 'seen twice: decrypted, and now cached');
    for (let i = 0; i < 3; i++) await request(() => {}, cookie);
    assert.equal(decrypted, 2, 'later arrivals come from the cache');
    // Each hit hands out its own copy: changing one request's value in place leaks nowhere.
    const hit = await request(() => {}, cookie);
    (hit.session.get('n') as { list: number[] }).list.push(2);
    assert.deepEqual((await request(() => {}, cookie)).session.get('n'), { list: [1] });
    // A session that changes on every request sends each value once: nothing is cached.
    let chain = cookie;
    for (let i = 0; i < 5; i++) {
      await request((s) => s.set('i', i), chain);
      chain = header();
    }
    assert.equal(decrypted, 2 + 4, 'each new value decrypted once (the first was cached)');
    // A cached value with one character changed is not served from the cache, and fails to open.
    const value = cookie.slice(cookie.indexOf('=') + 1);
    const middle = Math.floor(value.length / 2);
    const altered = `sid=${value.slice(0, middle)}${value[middle] === 'A' ? 'B' : 'A'}${value.slice(middle + 1)}`;
    assert.equal((await request(() => {}, altered)).session.get('n'), undefined);
    assert.equal(decrypted, 2 + 4 + 1);
  });

  it('rotation: a cookie sealed with an older key opens and is re-sealed with the newest on the same response (SECURITY 29)', async () => {
    const oldKey = generateKey();
    const before = setup({ keys: [oldKey] });
    await before.request((s) => s.set('n', 1));
    const cookie = before.header();
    const after = setup({ keys: [KEY, oldKey] });
    const { session, set } = await after.request(() => {}, cookie);
    assert.equal(session.get('n'), 1);
    assert.equal(set.length, 1, 're-sealed although nothing changed');
    const newOnly = setup({ keys: [KEY] });
    const { session: again } = await newOnly.request(() => {}, `sid=${set[0].value}`);
    assert.equal(again.get('n'), 1, 'the re-sealed cookie opens with the newest key alone');
    const { session: dropped } = await newOnly.request(() => {}, cookie);
    assert.equal(dropped.get('n'), undefined, 'removing a key invalidates its cookies');
    assert.equal(newOnly.events.at(-1)?.reason, 'unknown-key');
  });

  it('a value moved to another cookie name does not open (SECURITY 28)', async () => {
    const { request, header } = setup();
    await request((s) => s.set('n', 1));
    const other = setup({}, { cookie: { name: 'other' } });
    const { session } = await other.request(() => {}, header().replace('sid=', 'other='));
    assert.equal(session.get('n'), undefined);
    assert.equal(other.events.at(-1)?.reason, 'tampered');
  });

  it('chunks a large session over numbered cookies, reassembles it, and expires stale chunks', async () => {
    const { request, jar } = setup();
    const big = random(4000);
    const { set } = await request((s) => s.set('big', big));
    assert.deepEqual(
      set.map((c) => c.name),
      ['sid', 'sid.1'],
    );
    for (const c of set) assert.ok(`${c.name}=${c.value}`.length < 4096);
    assert.ok(set.every((c) => c.attributes.httponly === true && c.attributes.path === '/'));
    const { session } = await request();
    assert.equal(session.get('big'), big);
    // Shrinking: the head is rewritten, sid.1 expired.
    const small = await request((s) => s.set('big', 'x'));
    assert.deepEqual(
      small.set.map((c) => [c.name, c.attributes['max-age'] ?? null]),
      [
        ['sid', null],
        ['sid.1', '0'],
      ],
    );
    assert.deepEqual([...jar.keys()], ['sid']);
    assert.equal((await request()).session.get('big'), 'x');
  });

  it('fails the commit with cookie-too-large (size, limit) before anything is sent (SECURITY 13)', async () => {
    const { request } = setup({ maxChunks: 2 });
    await assert.rejects(
      request((s) => s.set('huge', random(12_000))),
      (e: unknown) =>
        e instanceof SessionError &&
        e.code === 'cookie-too-large' &&
        typeof e.details?.size === 'number' &&
        (e.details.size as number) > 12_000 &&
        e.details.limit === 4096 &&
        e.details.maxChunks === 2,
    );
  });

  it('destroy() clears every chunk', async () => {
    const { request, jar, events } = setup();
    await request((s) => s.set('big', random(8000)));
    assert.deepEqual([...jar.keys()], ['sid', 'sid.1', 'sid.2']);
    const { set } = await request((s) => s.destroy());
    assert.deepEqual(
      set.map((c) => [c.name, c.attributes['max-age']]),
      [
        ['sid', '0'],
        ['sid.1', '0'],
        ['sid.2', '0'],
      ],
    );
    assert.equal(jar.size, 0);
    assert.equal(events.at(-1)?.type, 'destroyed');
  });

  it('stray chunk cookies without a head are cleared', async () => {
    const { request } = setup();
    const { set, session } = await request(() => {}, 'sid.1=abc; sid.2=def');
    assert.equal(session.isNew, true);
    assert.deepEqual(set.map((c) => [c.name, c.attributes['max-age']]).sort(), [
      ['sid.1', '0'],
      ['sid.2', '0'],
    ]);
  });

  it('signed mode: the data is readable but any change is refused', async () => {
    const { request, header } = setup({ mode: 'signed' });
    await request((s) => s.set('role', 'user'));
    const value = header().slice('sid='.length);
    const bytes = Buffer.from(value, 'base64url').toString('latin1');
    assert.ok(bytes.includes('"role":"user"'));
    const forged = Buffer.from(bytes.replace('"user"', '"root"'), 'latin1').toString('base64url');
    const { session } = await request(() => {}, `sid=${forged}`);
    assert.equal(session.get('role'), undefined);
    assert.equal((await request(() => {}, `sid=${value}`)).session.get('role'), 'user');
  });

  it('revocation of cookie-only sessions with a per-user "not before" time (SECURITY 21)', async () => {
    const notBefore = new Map<string, number>();
    const { request, header, clock, events } = setup({ notBefore: (user) => notBefore.get(user) });
    await request((s) => {
      s.userId = 'u1';
      s.set('n', 1);
    });
    const laptop = header();
    clock.now += MIN;
    const phone = await request((s) => {
      s.userId = 'u1';
      s.set('n', 2);
    }, '');
    const phoneCookie = `sid=${phone.set[0].value}`;
    // "Log out all other devices" from the phone: revoke, then regenerate the current session.
    clock.now += MIN;
    const kept = await request((s) => {
      notBefore.set('u1', clock.now);
      s.regenerate();
    }, phoneCookie);
    assert.equal(kept.session.get('n'), 2);
    const { session } = await request(() => {}, laptop);
    assert.equal(session.get('n'), undefined, 'the laptop session is revoked');
    assert.equal(events.at(-1)?.reason, 'revoked');
    const phoneAgain = await request(() => {}, `sid=${kept.set[0].value}`);
    assert.equal(phoneAgain.session.get('n'), 2, 'the regenerated session survives');
  });

  it('Web Crypto engine: the same sessions, interchangeable with node:crypto', async () => {
    const web = setup({ keys: new KeyRing([KEY], { engine: 'web' }) });
    await web.request((s) => s.set('n', 7));
    const node = setup();
    assert.equal((await node.request(() => {}, web.header())).session.get('n'), 7);
    await node.request((s) => s.set('n', 8), web.header());
    assert.equal((await web.request(() => {}, node.header())).session.get('n'), 8);
  });

  it('validates its options at start-up', () => {
    assert.throws(() => new CookieStore({ keys: ['too short'] }), /sessionkit keygen/);
    assert.throws(() => new CookieStore({ keys: [KEY], maxChunks: 20 }), /maxChunks/);
    assert.throws(() => new CookieStore({ keys: [KEY], maxCookieSize: 9000 }), /maxCookieSize/);
    assert.throws(() => new CookieStore({ keys: [KEY], mode: 'plain' as 'signed' }), /mode/);
    assert.throws(() => new CookieStore({} as CookieStoreOptions), /keys/);
  });
});
