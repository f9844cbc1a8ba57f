import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAuth } from '../../src/auth/index.js';
import { createSessions } from '../../src/core/manager.js';
import type { Store } from '../../src/core/store.js';
import { Counter, createMetrics, Histogram } from '../../src/metrics/index.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { parseSetCookie } from '../helpers/http.js';

/** Parses Prometheus text into series → value, checking every line is well-formed. */
function parseExposition(text: string): Map<string, number> {
  const series = new Map<string, number>();
  const typed = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# HELP ')) continue;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram)$/.exec(line);
    if (type) {
      assert.ok(!typed.has(type[1] as string), `TYPE once per metric: ${line}`);
      typed.add(type[1] as string);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})?) (\S+)$/.exec(
      line,
    );
    assert.ok(sample, `malformed sample line: ${JSON.stringify(line)}`);
    series.set(sample[1] as string, Number(sample[2] === '+Inf' ? Number.POSITIVE_INFINITY : sample[2]));
  }
  return series;
}

function setup() {
  const audit: unknown[] = [];
  const metrics = createMetrics({ audit: (e) => audit.push(e), countCacheMs: 0 });
  const store = new MemoryStore();
  const manager = createSessions({
    store: metrics.instrument(store),
    onEvent: metrics.onEvent,
    cleanupInterval: false,
  });
  const auth = createAuth(manager, { onEvent: metrics.onAuthEvent });
  const request = async (
    cookie: string | undefined,
    fn: (s: Awaited<ReturnType<typeof manager.load>>) => unknown = () => {},
  ) => {
    const session = await manager.load({ cookie: cookie ? `sid=${cookie}` : undefined, host: '127.0.0.1' });
    await fn(session);
    const result = await manager.commit(session);
    const set = result.cookies.map(parseSetCookie)[0];
    return set && set.value !== '' ? set.value : cookie;
  };
  return { metrics, manager, auth, request, audit, store };
}

describe('metrics', () => {
  it('counts lifecycle events from the manager and auth, and feeds the audit hook', async () => {
    const { metrics, auth, request, audit } = setup();
    const a = await request(undefined, (s) => s.set('x', 1));
    const b = await request(a, (s) => auth.login(s, 'u1'));
    await request(b, (s) => auth.logout(s));
    await request('not-a-valid-id');
    await request('A'.repeat(43));
    const text = await metrics.render();
    const series = parseExposition(text);
    assert.equal(series.get('sessionkit_sessions_created_total'), 1);
    assert.equal(series.get('sessionkit_sessions_regenerated_total'), 1);
    assert.equal(series.get('sessionkit_sessions_destroyed_total'), 1);
    assert.equal(series.get('sessionkit_invalid_cookies_total{reason="malformed"}'), 1);
    assert.equal(series.get('sessionkit_invalid_cookies_total{reason="unknown"}'), 1);
    assert.equal(series.get('sessionkit_auth_events_total{type="login"}'), 1);
    assert.equal(series.get('sessionkit_auth_events_total{type="logout"}'), 1);
    assert.equal(series.get('sessionkit_sessions_active'), 0);
    assert.ok(audit.length >= 7, 'every event reaches the audit hook');
    assert.ok(!JSON.stringify(audit).includes(b as string), 'audit events never contain a session id');
  });

  it('measures store latency per operation as a histogram with cumulative buckets', async () => {
    const { metrics, request } = setup();
    const id = await request(undefined, (s) => s.set('x', 1));
    await request(id);
    await request(id, (s) => s.set('x', 2));
    const series = parseExposition(await metrics.render());
    assert.equal(series.get('sessionkit_store_operation_duration_seconds_count{operation="create"}'), 1);
    assert.equal(series.get('sessionkit_store_operation_duration_seconds_count{operation="get"}'), 2);
    assert.equal(series.get('sessionkit_store_operation_duration_seconds_count{operation="update"}'), 1);
    assert.equal(series.get('sessionkit_store_operation_duration_seconds_bucket{operation="get",le="+Inf"}'), 2);
    let previous = 0;
    for (const le of metrics.storeLatency.buckets) {
      const value = series.get(
        `sessionkit_store_operation_duration_seconds_bucket{operation="get",le="${le}"}`,
      ) as number;
      assert.ok(value >= previous, 'buckets are cumulative');
      previous = value;
    }
  });

  it('counts active sessions where the store can, and leaves the gauge out where it cannot', async () => {
    const { metrics, request } = setup();
    await request(undefined, (s) => s.set('x', 1));
    await request(undefined, (s) => s.set('x', 1));
    assert.equal(parseExposition(await metrics.render()).get('sessionkit_sessions_active'), 2);
    const bare = createMetrics();
    const memory = new MemoryStore();
    const countless: Store = {
      get: (k) => memory.get(k),
      create: (k, r) => memory.create(k, r),
      update: (k, r, c) => memory.update(k, r, c),
      touch: (k, e, l) => memory.touch(k, e, l),
      destroy: (k) => memory.destroy(k),
    };
    bare.instrument(countless);
    assert.ok(!(await bare.render()).includes('sessionkit_sessions_active'));
  });

  it('counts store errors by operation and code', async () => {
    const metrics = createMetrics();
    const failing: Store = {
      get: async () => {
        throw new Error('connection refused');
      },
      create: async () => true,
      update: async () => true,
      touch: async () => true,
      destroy: async () => true,
    };
    const manager = createSessions({
      store: metrics.instrument(failing),
      onEvent: metrics.onEvent,
      cleanupInterval: false,
    });
    await assert.rejects(manager.load({ cookie: `sid=${'A'.repeat(43)}` }));
    const series = parseExposition(await metrics.render());
    assert.equal(series.get('sessionkit_store_errors_total{code="store-unavailable",operation="get"}'), 1);
  });

  it('keeps optional store capabilities optional, so the manager still detects them', () => {
    const metrics = createMetrics();
    const wrapped = metrics.instrument(new MemoryStore());
    assert.equal(typeof wrapped.listByUser, 'function');
    assert.equal(typeof wrapped.count, 'function');
    const minimal = metrics.instrument({
      get: async () => undefined,
      create: async () => true,
      update: async () => true,
      touch: async () => true,
      destroy: async () => true,
    });
    assert.equal('listByUser' in minimal, false);
    assert.equal('prune' in minimal, false);
  });

  it('escapes label values and refuses bad metric names and buckets', () => {
    const counter = new Counter('x_total', 'help with \\ and\nnewline');
    counter.inc({ path: 'a"b\\c\nd' });
    const text = counter.render();
    assert.ok(text.includes('x_total{path="a\\"b\\\\c\\nd"} 1'));
    assert.ok(text.includes('# HELP x_total help with \\\\ and\\nnewline'));
    parseExposition(text);
    assert.throws(() => new Counter('bad-name', 'x'), /metric name/);
    assert.throws(() => new Histogram('h', 'x', [1, 1]), /buckets/);
  });
});
