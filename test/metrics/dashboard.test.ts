/** The shipped Grafana dashboard only queries metrics that sessionkit/metrics exposes. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { createMetrics } from '../../src/metrics/index.js';
import { MemoryStore } from '../../src/stores/memory.js';

const dashboard = JSON.parse(
  readFileSync(new URL('../../grafana/sessionkit-dashboard.json', import.meta.url), 'utf8'),
) as {
  uid: string;
  panels: { id: number; targets: { expr: string }[] }[];
};

describe('grafana/sessionkit-dashboard.json', () => {
  it('is valid dashboard JSON with unique panel ids', () => {
    assert.equal(dashboard.uid, 'sessionkit');
    const ids = dashboard.panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length);
  });

  it('every metric it queries is one the exposition contains', async () => {
    const metrics = createMetrics();
    metrics.instrument(new MemoryStore());
    metrics.storeLatency.observe(0.001, { operation: 'get' });
    const text = await metrics.render();
    const exposed = new Set(
      [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].flatMap(([, name, type]) =>
        type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name as string],
      ),
    );
    const queried = new Set(
      dashboard.panels.flatMap((p) =>
        p.targets.flatMap((t) => [...t.expr.matchAll(/\b(sessionkit_[a-z_]+)/g)].map((m) => m[1] as string)),
      ),
    );
    assert.ok(queried.size >= 8);
    for (const name of queried) assert.ok(exposed.has(name), `${name} is queried but not exposed`);
  });
});
