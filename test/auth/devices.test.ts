import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setup } from './helpers.js';

const MIN = 60_000;

async function signIn(env: ReturnType<typeof setup>, userId: string, userAgent: string, ip = '127.0.0.1') {
  const r = await env.request({ userAgent, ip }, (s) => env.auth.login(s, userId));
  assert.ok(r.cookie);
  return r.cookie;
}

describe('auth: devices', () => {
  it("lists a user's sessions with created, last seen, user agent and IP, the current one marked (23)", async () => {
    const env = setup();
    const laptop = await signIn(env, 'u1', 'Firefox on Linux', '10.0.0.1');
    env.clock.now += MIN;
    const phone = await signIn(env, 'u1', 'Safari on iPhone', '10.0.0.2');
    await signIn(env, 'u2', 'someone else');
    const listed = await env.request(phone, (s) => env.auth.listSessions('u1', s));
    const sessions = listed.value as Awaited<ReturnType<typeof env.auth.listSessions>>;
    assert.equal(sessions.length, 2);
    assert.deepEqual(
      sessions.map((s) => [s.client?.userAgent, s.client?.ip, s.current]),
      [
        ['Safari on iPhone', '10.0.0.2', true],
        ['Firefox on Linux', '10.0.0.1', false],
      ],
    );
    assert.ok(sessions.every((s) => s.createdAt > 0 && s.lastSeenAt >= s.createdAt && s.expiresAt > s.lastSeenAt));
    assert.ok(
      sessions.every((s) => s.key !== laptop && s.key !== phone),
      'the list shows store keys, never ids',
    );
  });

  it("revokeSession ends one session at once, and only the user's own (23, 26)", async () => {
    const env = setup();
    const laptop = await signIn(env, 'u1', 'laptop');
    const phone = await signIn(env, 'u1', 'phone');
    const mallory = await signIn(env, 'u2', 'mallory');
    const [laptopInfo] = ((await env.auth.listSessions('u1')) ?? []).filter((s) => s.client?.userAgent === 'laptop');
    assert.ok(laptopInfo);
    // u2 cannot end u1's session by guessing or stealing its key.
    assert.equal(await env.auth.revokeSession('u2', laptopInfo.key), false);
    assert.equal((await env.request(laptop)).session.userId, 'u1');
    // A slow request of the laptop, loaded before the revocation, cannot bring it back.
    const slow = await env.manager.load({ cookie: `sid=${laptop}`, host: '127.0.0.1' });
    assert.equal(await env.auth.revokeSession('u1', laptopInfo.key), true);
    slow.set('late', true);
    const late = await env.manager.commit(slow);
    assert.deepEqual(late.cookies, [], 'the slow request writes nothing and sends no cookie');
    assert.equal((await env.request(laptop)).session.userId, undefined);
    assert.equal((await env.request(phone)).session.userId, 'u1');
    assert.equal((await env.request(mallory)).session.userId, 'u2');
    assert.ok(env.authEvents.some((e) => e.type === 'session-revoked' && e.key === laptopInfo.key));
  });

  it("logoutEverywhere ends all of a user's sessions, or all but the current one (22)", async () => {
    const env = setup();
    const a = await signIn(env, 'u1', 'a');
    const b = await signIn(env, 'u1', 'b');
    const c = await signIn(env, 'u1', 'c');
    const other = await signIn(env, 'u2', 'x');
    const kept = await env.request(b, (s) => env.auth.logoutEverywhere('u1', { exceptCurrent: s }));
    assert.equal(kept.value, 2);
    assert.equal((await env.request(a)).session.userId, undefined);
    assert.equal((await env.request(b)).session.userId, 'u1');
    assert.equal((await env.request(c)).session.userId, undefined);
    assert.equal(await env.auth.logoutEverywhere('u1'), 1);
    assert.equal((await env.request(b)).session.userId, undefined);
    assert.equal((await env.request(other)).session.userId, 'u2');
  });

  it('maxSessionsPerUser evicts the oldest session on login (24)', async () => {
    const env = setup({ auth: { maxSessionsPerUser: 2 } });
    const first = await signIn(env, 'u1', 'first');
    env.clock.now += MIN;
    const second = await signIn(env, 'u1', 'second');
    env.clock.now += MIN;
    const third = await signIn(env, 'u1', 'third');
    assert.equal((await env.request(first)).session.userId, undefined, 'the oldest is gone');
    assert.equal((await env.request(second)).session.userId, 'u1');
    assert.equal((await env.request(third)).session.userId, 'u1');
    assert.equal((await env.auth.listSessions('u1')).length, 2);
    assert.equal(env.authEvents.filter((e) => e.type === 'session-evicted').length, 1);
    // Logging in again on a device that is already signed in does not evict anyone.
    await env.request(third, (s) => env.auth.login(s, 'u1'));
    assert.equal((await env.auth.listSessions('u1')).length, 2);
    assert.equal((await env.request(second)).session.userId, 'u1');
  });
});
