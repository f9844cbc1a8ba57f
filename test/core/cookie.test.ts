import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  checkPrefixRules,
  getCookieValues,
  isValidCookieName,
  isValidCookieValue,
  parseCookies,
  serializeCookie,
} from '../../src/core/cookie.js';

const tokenChar = fc.constantFrom(
  ..."!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".split(''),
);
const cookieName = fc.string({ unit: tokenChar, minLength: 1, maxLength: 20 });
const valueChar = fc
  .integer({ min: 0x21, max: 0x7e })
  .map((c) => String.fromCharCode(c))
  .filter((c) => !'",;\\'.includes(c));
const cookieValue = fc.string({ unit: valueChar, maxLength: 60 });

describe('cookie parsing', () => {
  it('reads a value among others, trimming spaces', () => {
    assert.deepEqual(getCookieValues('a=1; sid=abc ;b=2', 'sid'), ['abc']);
    assert.deepEqual(getCookieValues('sid="quoted"', 'sid'), ['quoted']);
  });

  it('returns every value of a duplicated name in order', () => {
    assert.deepEqual(getCookieValues('sid=one; x=1; sid=two', 'sid'), ['one', 'two']);
  });

  it('skips malformed pairs and survives garbage', () => {
    assert.deepEqual(getCookieValues(';;; =; sid; sid=ok; ==', 'sid'), ['ok']);
    assert.deepEqual(getCookieValues('', 'sid'), []);
    assert.deepEqual(getCookieValues(undefined, 'sid'), []);
    assert.deepEqual(getCookieValues(null, 'sid'), []);
  });

  it('does not parse oversized headers', () => {
    assert.deepEqual(getCookieValues(`${'x=1; '.repeat(5000)}sid=late`, 'sid'), []);
  });

  it('never throws and only returns values that were sent (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), cookieName, (header, name) => {
        const values = getCookieValues(header, name);
        for (const value of values) assert.ok(header.includes(value));
        parseCookies(header);
      }),
    );
  });

  it('parse(serialize(name, value)) gives the value back (property)', () => {
    fc.assert(
      fc.property(
        cookieName,
        cookieValue,
        fc.array(fc.tuple(cookieName, cookieValue), { maxLength: 4 }),
        (name, value, others) => {
          const pairs = [...others.filter(([n]) => n !== name), [name, value] as [string, string]];
          const header = pairs.map(([n, v]) => serializeCookie(n, v).split(';')[0]).join('; ');
          assert.deepEqual(getCookieValues(header, name), [value]);
          assert.equal(parseCookies(header).get(name), value);
        },
      ),
    );
  });
});

describe('cookie serialising', () => {
  it('writes attributes in a standard form', () => {
    const header = serializeCookie('sid', 'abc', {
      maxAge: 3600.7,
      path: '/',
      domain: 'example.com',
      httpOnly: true,
      secure: true,
      sameSite: 'strict',
      partitioned: true,
    });
    assert.equal(
      header,
      'sid=abc; Max-Age=3600; Domain=example.com; Path=/; HttpOnly; Secure; SameSite=Strict; Partitioned',
    );
  });

  it('refuses names and values a browser would reject', () => {
    for (const name of ['', 'a b', 'a;b', 'é', 'a=b']) {
      assert.equal(isValidCookieName(name), false, name);
      assert.throws(() => serializeCookie(name, 'v'), { code: 'invalid-option' });
    }
    for (const value of ['a b', 'a;b', 'a,b', 'a"b', 'é', 'a\\b']) {
      assert.equal(isValidCookieValue(value), false, value);
      assert.throws(() => serializeCookie('sid', value), { code: 'invalid-option' });
    }
    assert.throws(() => serializeCookie('sid', 'v', { path: '/a;b' }), { code: 'invalid-option' });
    assert.throws(() => serializeCookie('sid', 'v', { maxAge: Number.NaN }), { code: 'invalid-option' });
  });

  it('enforces __Host- and __Secure- prefix rules (SECURITY 10)', () => {
    assert.throws(() => checkPrefixRules('__Host-sid', { secure: false, path: '/' }), /requires secure/);
    assert.throws(
      () => checkPrefixRules('__Host-sid', { secure: true, path: '/', domain: 'x.com' }),
      /forbids a domain/,
    );
    assert.throws(() => checkPrefixRules('__Host-sid', { secure: true, path: '/app' }), /path/);
    assert.throws(() => checkPrefixRules('__Secure-sid', { secure: false }), /requires secure/);
    checkPrefixRules('__Host-sid', { secure: true, path: '/' });
    checkPrefixRules('__Secure-sid', { secure: true, domain: 'x.com' });
  });

  it('refuses SameSite=None without Secure (SECURITY 9)', () => {
    assert.throws(() => serializeCookie('sid', 'v', { sameSite: 'none' }), /SameSite=None requires Secure/);
    assert.match(serializeCookie('sid', 'v', { sameSite: 'none', secure: true }), /SameSite=None/);
  });
});
