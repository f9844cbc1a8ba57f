/** Optional signing of the session-id cookie for server-side stores. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateKey, KeyRing } from '../../src/core/keyring.js';
import { createSessions } from '../../src/core/manager.js';
import { parseSetCookie } from '../helpers/http.js';
import { setup as sharedSetup } from '../helpers/manager-setup.js';

/** The same string with its first character changed (always a different value). */
function flipFirst(value: string): string {
  return (value[0] === 'A' ? 'B' : 'A') + value.slice(1);
}

const setup = (keys: string[] | KeyRing) => sharedSetup({ keys });

describe('signed session ids (options.keys)', () => {
  const key = generateKey();

  it('the cookie is <id>.<signature> and round-trips', async () => {
    const { request, store } = setup([key]);
    const first = await request(undefined, (s) => s.set('n', 1));
    const value = first.set[0].value;
    assert.match(value, /^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{26}$/);
    assert.equal(value.split('.')[0], first.session.id);
    store.reset();
    const second = await request(`sid=${value}`);
    assert.equal(second.session.get('n'), 1);
    assert.deepEqual(store.calls, ['get']);
  });

  it('forged, unsigned and re-signed-for-another-id cookies are refused without a store read', async () => {
    const { request, store, events } = setup([key]);
    const first = await request(undefined, (s) => s.set('n', 1));
    const [id, sig] = first.set[0].value.split('.');
    const other = await request(undefined, (s) => s.set('n', 2));
    const otherSig = other.set[0].value.split('.')[1];
    store.reset();
    events.length = 0;
    for (const bad of [
      id,
      `${id}.${otherSig}`,
      `${id}.${flipFirst(sig)}`,
      `${'A'.repeat(43)}.${sig}`,
      `${id}.`,
      `.${sig}`,
    ]) {
      const { session } = await request(`sid=${bad}`);
      assert.equal(session.get('n'), undefined, bad);
    }
    assert.deepEqual(store.calls, [], 'the store was never asked');
    assert.ok(events.every((e) => e.type === 'invalid-cookie' && e.reason === 'bad-signature'));
  });

  it('rotation: an id signed with an older key is accepted and re-issued with the newest', async () => {
    const oldKey = generateKey();
    const before = setup([oldKey]);
    const first = await before.request(undefined, (s) => s.set('n', 1));
    // Same store, rotated keys.
    const now = () => before.clock.now;
    const after = createSessions({ store: before.store, keys: [key, oldKey], cleanupInterval: false, now });
    const session = await after.load({ cookie: `sid=${first.set[0].value}`, host: 'app.example' });
    assert.equal(session.get('n'), 1);
    const { cookies } = await after.commit(session);
    assert.equal(cookies.length, 1);
    const reissued = parseSetCookie(cookies[0]).value;
    assert.notEqual(reissued, first.set[0].value);
    const onlyNew = createSessions({ store: before.store, keys: [key], cleanupInterval: false, now });
    assert.equal((await onlyNew.load({ cookie: `sid=${reissued}` })).get('n'), 1);
    assert.equal((await onlyNew.load({ cookie: `sid=${first.set[0].value}` })).get('n'), undefined);
  });

  it('works the same with the Web Crypto engine', async () => {
    const { request } = setup(new KeyRing([key], { engine: 'web' }));
    const first = await request(undefined, (s) => s.set('n', 3));
    const node = setup([key]);
    // Different stores: only check the signature is accepted (unknown id, not bad-signature).
    await node.request(`sid=${first.set[0].value}`);
    assert.equal(node.events[0]?.reason, 'unknown');
    assert.equal((await request(`sid=${first.set[0].value}`)).session.get('n'), 3);
  });
});
