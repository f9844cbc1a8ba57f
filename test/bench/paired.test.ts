import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { evaluateTargets } from '../../bench/lib/evaluate.js';
import { pickLoadGenerator } from '../../bench/lib/load.js';
import { measurePair } from '../../bench/lib/paired.js';
import type { GroupRun, Results, ServerResult } from '../../bench/lib/results.js';
import { median, pairedRatios } from '../../bench/lib/results.js';
import { pairsFor, type Target } from '../../bench/lib/targets.js';

describe('bench --paired: which pairs', () => {
  it("measures each target's pair once, the baseline resolved, then the references", () => {
    const pairs = pairsFor('redis', 'bare-ioredis');
    assert.deepEqual(pairs.slice(0, 3), [
      { server: 'sessionkit-ioredis', against: 'bare-ioredis' },
      { server: 'sessionkit-node-redis', against: 'bare-node-redis' },
      { server: 'sessionkit-express-node-redis', against: 'express-session-connect-redis' },
    ]);
    assert.ok(pairs.some((p) => p.server === 'bare-express-node-redis'));
    assert.ok(pairs.some((p) => p.against === 'bare-ioredis-auto-pipelining'));
    assert.equal(new Set(pairs.map((p) => `${p.server}/${p.against}`)).size, pairs.length);
    assert.deepEqual(pairsFor('core', 'bare-node'), [{ server: 'sessionkit-memory', against: 'bare-node' }]);
    assert.deepEqual(pairsFor('core', undefined), []);
  });
});

describe('bench --paired: judging a target', () => {
  const target: Target = {
    kind: 'http',
    issue: 0,
    group: 'g',
    server: 'lib',
    endpoint: 'read',
    min: 0.9,
    against: 'baseline',
  };
  const server = (name: string, baseline: boolean, rounds: number[]): ServerResult => ({
    server: name,
    file: `bench/servers/g--${name}.ts`,
    baseline,
    read: { rps: rounds[0]!, requests: 1000, non2xx: 0, errors: 0 },
    roundRps: rounds.map((read) => ({ read })),
  });
  const run = (paired?: GroupRun['paired']): Results => ({
    machine: {} as Results['machine'],
    micro: [],
    groups: [
      {
        group: 'g',
        date: '2026-12-06T00:00:00Z',
        command: 'npm run bench',
        durationSec: 5,
        warmupSec: 1,
        connections: 50,
        rounds: 3,
        quick: false,
        loadGenerator: 'wrk',
        // Alone, one round after the other: 0.5x, 0.8x, 1.5x, median 0.8x.
        servers: [server('bare', true, [100, 100, 100]), server('lib', false, [50, 80, 150])],
        ...(paired ? { paired } : {}),
      },
    ],
  });

  it('without a paired figure, the rounds one after the other decide', () => {
    const [check] = evaluateTargets([target], run());
    assert.equal(check!.status, 'FAIL');
    assert.equal(check!.alone!.ratio, 0.8);
    assert.deepEqual(check!.alone!.rounds, [0.5, 0.8, 1.5]);
    assert.equal(check!.paired, undefined);
  });

  it('a paired figure decides, as the median of its rounds; the alone figure stays for the report', () => {
    const rounds = [
      { rps: 95, againstRps: 100 },
      { rps: 46, againstRps: 50 },
      { rps: 188, againstRps: 200 },
    ];
    const [check] = evaluateTargets([target], run([{ server: 'lib', against: 'bare', read: rounds }]));
    assert.equal(check!.status, 'pass');
    assert.equal(check!.paired!.ratio, 0.94);
    assert.deepEqual(check!.paired!.rounds, [0.92, 0.94, 0.95]);
    assert.equal(check!.alone!.ratio, 0.8);
    // Paired under the minimum: FAIL, whatever the alone rounds say.
    const [fail] = evaluateTargets(
      [target],
      run([{ server: 'lib', against: 'bare', read: [{ rps: 80, againstRps: 100 }] }]),
    );
    assert.equal(fail!.status, 'FAIL');
  });

  it('a pair measured the other way round does not count', () => {
    const [check] = evaluateTargets(
      [target],
      run([{ server: 'bare', against: 'lib', read: [{ rps: 1, againstRps: 1 }] }]),
    );
    assert.equal(check!.paired, undefined);
  });

  it('median and pairedRatios', () => {
    assert.equal(median([]), undefined);
    assert.equal(median([1, 2, 4]), 2);
    assert.equal(median([1, 2, 4, 10]), 3);
    assert.deepEqual(
      pairedRatios(
        {
          server: 'a',
          against: 'b',
          inc: [
            { rps: 3, againstRps: 2 },
            { rps: 1, againstRps: 2 },
            { rps: 1, againstRps: 0 },
          ],
        },
        'inc',
      ),
      [0.5, 1.5],
    );
  });
});

describe('bench --paired: two real servers at once', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sessionkit-paired-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  // A bench server as docs/benchmarks.md describes it, spending `spinMs` of CPU on each request.
  const serverFile = (name: string, spinMs: number) => {
    const path = join(dir, `g--${name}.mjs`);
    writeFileSync(
      path,
      `import { createServer } from 'node:http';
const spin = (ms) => { const end = performance.now() + ms; while (performance.now() < end); };
createServer((req, res) => {
  if (req.url === '/init') res.setHeader('Set-Cookie', 'sid=1; Path=/');
  spin(${spinMs});
  res.end('0');
}).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('ready'));
`,
    );
    return { group: 'g', server: name, path, baseline: false };
  };

  it('the server that costs more per request gets the smaller share, and both keep the core busy', async () => {
    const costly = serverFile('costly', 1);
    const cheap = serverFile('cheap', 0.1);
    const pair = await measurePair(costly, cheap, {
      generator: pickLoadGenerator(),
      start: { cwd: process.cwd(), env: {} },
      durationSec: 1,
      warmupSec: 0,
      connections: 8,
      rounds: 1,
    });
    assert.equal(pair.failed, undefined);
    assert.equal(pair.server, 'costly');
    assert.equal(pair.against, 'cheap');
    for (const endpoint of ['read', 'inc'] as const) {
      const [round] = pair[endpoint]!;
      assert.ok(round!.rps > 0 && round!.againstRps > 0);
      // About a tenth: each gets half the core, and one request of `costly` costs ten of `cheap`.
      const ratio = round!.rps / round!.againstRps;
      assert.ok(ratio < 0.4, `ratio ${ratio}`);
      // Both kept the core busy, and the scheduler shared it about evenly.
      if (round!.cpu !== undefined && round!.againstCpu !== undefined) {
        assert.ok(round!.cpu + round!.againstCpu > 0.6, `busy ${round!.cpu} + ${round!.againstCpu}`);
        assert.ok(Math.abs(round!.cpu - round!.againstCpu) < 0.25, `split ${round!.cpu} / ${round!.againstCpu}`);
      }
    }
  });

  it('a server that does not start fails the pair, with the reason', async () => {
    const broken = join(dir, 'g--broken.mjs');
    writeFileSync(broken, "throw new Error('no such luck');\n");
    const pair = await measurePair(
      { group: 'g', server: 'broken', path: broken, baseline: false },
      serverFile('fine', 0),
      {
        generator: pickLoadGenerator(),
        start: { cwd: process.cwd(), env: {}, readyTimeoutMs: 5000 },
        durationSec: 1,
        warmupSec: 0,
        connections: 1,
        rounds: 1,
      },
    );
    assert.match(pair.failed ?? '', /^round 1: start: .*no such luck/);
    assert.equal(pair.read, undefined);
  });
});
