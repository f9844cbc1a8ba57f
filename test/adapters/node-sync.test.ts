/**
 * In-process stores answer without promises, and sessionkit/node then serves the request
 * in the tick it arrived. A store that throws (rather than rejects) is still a 503.
 */
import assert from 'node:assert/strict';
import { type IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { withSessions } from '../../src/adapters/node.js';
import { createSessions } from '../../src/core/manager.js';
import type { Change, SessionRecord } from '../../src/core/store.js';
import { MemoryStore } from '../../src/stores/memory.js';
import type { Session } from '../../src/core/session.js';
import { CountingStore } from '../helpers/counting-store.js';
import { CookieClient, listen, type Running } from '../helpers/http.js';

/** A real MemoryStore whose reads can be made to throw synchronously, as a broken disk would. */
class BrittleStore extends MemoryStore {
  broken = false;
  brokenWrites = false;
  override get(key: string) {
    if (this.broken) throw new Error('disk gone');
    return super.get(key) as SessionRecord | undefined;
  }
  override update(key: string, record: SessionRecord, change: Change) {
    if (this.brokenWrites) throw new Error('disk full');
    return super.update(key, record, change);
  }
}

describe('sessionkit/node with a store that answers at once', () => {
  const store = new BrittleStore();
  const manager = createSessions<{ count: number }>({ store, cleanupInterval: false, cookie: { secure: false } });
  /**
   * For each request: did the handler run before the listener returned, did it return a
   * promise, and had the response gone out (committed and ended) by then?
   */
  const ticks: { handledInTick: boolean; returnedPromise: boolean; ended: boolean }[] = [];
  /** Each response's `end` as the handler saw it, and after the response went out. */
  const ends: { held: unknown; after: unknown }[] = [];
  let server: Running;

  before(async () => {
    let handled = false;
    const listener = withSessions(manager, (_req, res, session) => {
      handled = true;
      const count = (session.get('count') ?? 0) + 1;
      session.set('count', count);
      const held = res.end;
      res.end(String(count));
      ends.push({ held, after: res.end });
    });
    server = await listen((req: IncomingMessage, res: ServerResponse) => {
      handled = false;
      const returned = listener(req, res);
      ticks.push({ handledInTick: handled, returnedPromise: returned instanceof Promise, ended: res.writableEnded });
    });
  });
  after(() => server.close());

  it('runs the handler and commits in the request tick, with no promise in between', async () => {
    const client = new CookieClient(server.url);
    ticks.length = 0;
    assert.equal(await client.text('/'), '1'); // creates the session (a create-only write)
    assert.equal(await client.text('/'), '2'); // changes it (an update)
    assert.equal(await client.text('/'), '3');
    const inTick = { handledInTick: true, returnedPromise: false, ended: true };
    assert.deepEqual(ticks, [inTick, inTick, inTick]);
  });

  it('holds every response with the same functions, not closures made per response', async () => {
    // Closures stored on each response kept V8 from collecting finished responses young and
    // made it allocate requests in the old generation: 10% to 20% of the cookie benchmark.
    const client = new CookieClient(server.url);
    await client.text('/'); // creates the session
    ends.length = 0;
    await client.text('/');
    await client.text('/');
    const [first, second] = ends;
    assert.ok(first && second);
    assert.notEqual(first.held, ServerResponse.prototype.end, 'end is held until the commit');
    assert.equal(first.held, second.held);
    assert.equal(first.after, ServerResponse.prototype.end, 'the original end is back once committed');
  });

  it('a store that throws instead of rejecting gets a 503, and the server keeps serving', async () => {
    const client = new CookieClient(server.url);
    await client.fetch('/');
    store.broken = true;
    try {
      const down = await client.fetch('/');
      assert.equal(down.status, 503);
      assert.match(await down.text(), /session store/);
    } finally {
      store.broken = false;
    }
    assert.equal(await client.text('/'), '2');
  });
});

describe('sessionkit/node with two managers on one response', () => {
  // The first store answers later (CountingStore's methods are async), the second at once:
  // the gate waits for the first write, then runs the second before the response goes out.
  const first = createSessions<{ n: number }>({
    store: new CountingStore(),
    cleanupInterval: false,
    cookie: { secure: false },
  });
  const secondStore = new BrittleStore();
  const second = createSessions<{ n: number }>({
    store: secondStore,
    cleanupInterval: false,
    cookie: { name: 'other', secure: false },
  });
  let server: Running;

  before(async () => {
    const firstOf = new WeakMap<IncomingMessage, Session<{ n: number }>>();
    const both = withSessions(second, (req, res, inner) => {
      const outer = firstOf.get(req) as Session<{ n: number }>;
      outer.set('n', (outer.get('n') ?? 0) + 1);
      inner.set('n', (inner.get('n') ?? 0) + 10);
      res.end(`${outer.get('n')},${inner.get('n')}`);
    });
    server = await listen(
      withSessions(first, (req, res, outer) => {
        firstOf.set(req, outer);
        return both(req, res);
      }),
    );
  });
  after(() => server.close());

  it('both commit, each with its own cookie', async () => {
    const client = new CookieClient(server.url);
    assert.equal(await client.text('/'), '1,10'); // both sessions created
    assert.deepEqual(client.lastSetCookies.map((cookie) => cookie.split('=')[0]).sort(), ['other', 'sid']);
    assert.equal(await client.text('/'), '2,20'); // both updated
    assert.equal(await client.text('/'), '3,30');
  });

  it("the second manager's store failing, on load or on commit, gets a 503; the next request is served", async () => {
    const client = new CookieClient(server.url);
    await client.fetch('/');
    secondStore.broken = true;
    try {
      assert.equal((await client.fetch('/')).status, 503, 'load fails: the reply goes through the first gate');
    } finally {
      secondStore.broken = false;
    }
    secondStore.brokenWrites = true;
    try {
      const failed = await client.fetch('/');
      assert.equal(failed.status, 503, 'the second commit fails after the first one went through');
      assert.equal(failed.headers.get('set-cookie'), null);
    } finally {
      secondStore.brokenWrites = false;
    }
    assert.equal(await client.text('/'), '3,20', 'the first session kept its write; the second lost its own');
  });
});
