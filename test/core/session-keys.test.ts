/**
 * Session keys are the application's strings, sometimes a user's. Names that objects
 * inherit (`toString`, `constructor`) or that assignment treats specially (`__proto__`) must
 * behave like any other key, through the session API and through a store round trip.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSessions } from '../../src/core/manager.js';
import { MemoryStore } from '../../src/stores/memory.js';

const HOSTILE = ['__proto__', 'toString', 'constructor', 'hasOwnProperty'];

describe('session keys that objects treat specially', () => {
  it('get and has see only keys that were set', async () => {
    const sessions = createSessions({ store: new MemoryStore(), cookie: { secure: false } });
    const session = await sessions.load();
    for (const key of HOSTILE) {
      assert.equal(session.get(key), undefined, key);
      assert.equal(session.has(key), false, key);
      assert.deepEqual(session.flashes(key), [], key);
    }
  });

  it('set, get, delete and flashes keep each key as a plain own key, and the data keeps its prototype', async () => {
    const sessions = createSessions({ store: new MemoryStore(), cookie: { secure: false } });
    const session = await sessions.load();
    session.set('__proto__', { role: 'admin' });
    assert.equal(session.get('role'), undefined, 'a value under __proto__ is not inherited by other keys');
    assert.deepEqual(session.get('__proto__'), { role: 'admin' });
    assert.ok(session.has('__proto__'));
    session.set('toString', 'mine');
    assert.equal(session.get('toString'), 'mine');
    session.flash('__proto__', 'one');
    session.flash('__proto__', 'two');
    session.flash('constructor', 'three');
    assert.deepEqual(session.flashes('__proto__'), ['one', 'two']);
    assert.deepEqual(session.flashes('__proto__'), []);
    assert.ok(session.delete('toString'));
    assert.equal(session.get('toString'), undefined);
    assert.equal(session.delete('hasOwnProperty'), false);
    assert.deepEqual(Object.keys(session.toJSON()), ['__proto__']);
  });

  it('survive a commit and a load through the store', async () => {
    const sessions = createSessions({ store: new MemoryStore(), cookie: { secure: false } });
    const first = await sessions.load();
    first.set('__proto__', { role: 'admin' });
    first.set('constructor', 1);
    first.flash('toString', 'hello');
    const { cookies } = await sessions.commit(first);
    const cookie = cookies[0]!.split(';')[0]!;
    const second = await sessions.load(cookie);
    assert.deepEqual(second.get('__proto__'), { role: 'admin' });
    assert.equal(second.get('role'), undefined);
    assert.equal(second.get('constructor'), 1);
    assert.deepEqual(second.flashes('toString'), ['hello']);
    // An update that adds the key to a stored session keeps it too.
    second.delete('__proto__');
    await sessions.commit(second);
    const third = await sessions.load(cookie);
    assert.equal(third.has('__proto__'), false);
    third.set('__proto__', 2);
    await sessions.commit(third);
    assert.equal((await sessions.load(cookie)).get('__proto__'), 2);
  });
});
