import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveOptions, presets, type SessionOptions } from '../../src/core/options.js';
import { MemoryStore } from '../../src/stores/memory.js';

const store = new MemoryStore();
const fails = (options: Partial<SessionOptions> & Record<string, unknown>, message: RegExp) =>
  assert.throws(() => resolveOptions({ store, ...options } as SessionOptions), {
    name: 'SessionError',
    code: 'invalid-option',
    message,
  });

describe('options', () => {
  it('has safe defaults: HttpOnly, SameSite=Lax, Path=/, Secure unless plain-http localhost, browser-session cookie', () => {
    const o = resolveOptions({ store });
    assert.equal(o.cookie.httpOnly, true);
    assert.equal(o.cookie.sameSite, 'lax');
    assert.equal(o.cookie.path, '/');
    assert.equal(o.cookie.secure, 'auto');
    assert.equal(o.cookie.domain, undefined);
    assert.equal(o.cookie.maxAge, 0);
    assert.equal(o.lifetime, presets['asvs-l2'].lifetime);
    assert.equal(o.idleTimeout, presets['asvs-l2'].idleTimeout);
    assert.equal(o.cacheControl, 'no-store');
  });

  it('offers ASVS presets (SECURITY 19)', () => {
    assert.equal(resolveOptions({ store, preset: 'asvs-l3' }).idleTimeout, 15 * 60_000);
    assert.equal(resolveOptions({ store, preset: 'asvs-l1' }).idleTimeout, false);
    assert.equal(resolveOptions({ store, preset: 'asvs-l1', idleTimeout: 60_000 }).idleTimeout, 60_000);
  });

  it('refuses bad options with a message that says what to change', () => {
    fails({ store: undefined as never }, /store must be a Store/);
    fails({ store: { get() {} } as never }, /store must be a Store/);
    fails({ lifetime: 0 }, /lifetime must be a positive number/);
    fails({ lifetime: '1h' as never }, /lifetime must be a positive number/);
    fails({ idleTimeout: 2000, lifetime: 1000 }, /idleTimeout .* longer than lifetime/);
    fails({ touchAfter: 1 }, /touchAfter/);
    fails({ preset: 'asvs-l9' as never }, /preset must be one of/);
    fails({ cookie: { name: 'bad name' } }, /cookie.name/);
    fails({ cookie: { sameSite: 'None' as never } }, /cookie.sameSite must be/);
    fails({ cookie: { sameSite: 'none' } }, /requires cookie.secure: true/);
    fails({ cookie: { name: '__Host-sid' } }, /must be true for a cookie named __Host-sid/);
    fails({ cookie: { name: '__Host-sid', secure: true, domain: 'example.com' } }, /forbids a domain/);
    fails({ cookie: { name: '__Host-sid', secure: true, path: '/app' } }, /path/);
    fails({ cookie: { name: '__Secure-sid', secure: 'auto' } }, /must be true/);
    fails({ cookie: { maxAge: -1 } }, /session.destroy/);
    fails({ cookie: { path: 'app' } }, /must start with/);
    fails({ cookie: { partitioned: true } }, /partitioned|Partitioned/);
    fails({ storeTimeout: -5 }, /storeTimeout/);
    fails({ onEvent: 'log' as never }, /onEvent must be a function/);
  });

  it('accepts a strict production setup', () => {
    const o = resolveOptions({ store, cookie: { name: '__Host-sid', secure: true, sameSite: 'strict' } });
    assert.equal(o.cookie.name, '__Host-sid');
  });
});
