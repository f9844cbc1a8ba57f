import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withSessions, withCommitHeaders } from '../../src/adapters/web.js';
import { createSessions } from '../../src/core/manager.js';
import { CountingStore } from '../helpers/counting-store.js';

describe('sessionkit/web (Fetch API)', () => {
  const store = new CountingStore();
  const manager = createSessions<{ count: number }>({ store, cleanupInterval: false });
  const handler = withSessions(manager, (request, session) => {
    if (new URL(request.url).pathname === '/inc') session.set('count', (session.get('count') ?? 0) + 1);
    return new Response(String(session.get('count') ?? 'none'));
  });

  it('round-trips a session through Request and Response', async () => {
    const first = await handler(new Request('https://app.example/inc'));
    assert.equal(await first.text(), '1');
    const setCookie = first.headers.getSetCookie();
    assert.equal(setCookie.length, 1);
    assert.match(setCookie[0] ?? '', /; Secure; SameSite=Lax$/);
    assert.equal(first.headers.get('cache-control'), 'no-store');
    const cookie = (setCookie[0] ?? '').split(';')[0] ?? '';
    const second = await handler(new Request('https://app.example/inc', { headers: { cookie } }));
    assert.equal(await second.text(), '2');
    store.reset();
    const read = await handler(new Request('https://app.example/read', { headers: { cookie } }));
    assert.equal(await read.text(), '2');
    assert.deepEqual(store.calls, ['get']);
    assert.deepEqual(read.headers.getSetCookie(), []);
  });

  it('adds headers to responses whose headers are immutable', async () => {
    const immutable = Response.redirect('https://app.example/', 302);
    const out = withCommitHeaders(immutable, { cookies: ['sid=x; Path=/'], headers: [['Cache-Control', 'no-store']] });
    assert.equal(out.status, 302);
    assert.deepEqual(out.headers.getSetCookie(), ['sid=x; Path=/']);
    assert.equal(out.headers.get('location'), 'https://app.example/');
  });

  it('keeps an explicit Cache-Control the app chose', async () => {
    const out = withCommitHeaders(new Response('x', { headers: { 'cache-control': 'private' } }), {
      cookies: ['sid=x'],
      headers: [['Cache-Control', 'no-store']],
    });
    assert.equal(out.headers.get('cache-control'), 'private');
  });

  it('answers 503 when the store is down', async () => {
    store.failing = new Error('down');
    try {
      const response = await handler(
        new Request('https://app.example/inc', { headers: { cookie: `sid=${'A'.repeat(43)}` } }),
      );
      assert.equal(response.status, 503);
    } finally {
      store.failing = undefined;
    }
  });

  it('has no Node-only imports, so Bun, Deno and Workers can load it', async () => {
    const { readFile } = await import('node:fs/promises');
    const files = [
      'src/adapters/web.ts',
      'src/core/manager.ts',
      'src/core/session.ts',
      'src/core/cookie.ts',
      'src/core/id.ts',
      'src/core/platform.ts',
      'src/core/request.ts',
      'src/core/options.ts',
      'src/core/codec.ts',
      'src/core/errors.ts',
    ];
    for (const file of files) {
      const source = await readFile(new URL(`../../${file}`, import.meta.url), 'utf8');
      for (const line of source.split('\n')) {
        if (/^import\s(?!type)/.test(line)) assert.doesNotMatch(line, /from 'node:/, `${file}: ${line}`);
      }
    }
  });
});
