/**
 * The benchmark harness: `npm run bench -- --help`. Runs every bench/servers file group
 * by group (baseline first) under wrk or autocannon, runs bench/micro files, checks the
 * targets from bench/lib/targets.ts and writes BENCHMARKS.md and bench/chart.svg.
 * See docs/benchmarks.md.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBenchArgs } from './lib/args.js';
import { renderChart } from './lib/chart.js';
import { discoverMicro, discoverServers, type ServerFile } from './lib/discover.js';
import { decisive, evaluateTargets } from './lib/evaluate.js';
import { figure, perSecond } from './lib/format.js';
import { type LoadGenerator, pickLoadGenerator } from './lib/load.js';
import { cpuTicks, describeMachine, stolenPercent } from './lib/machine.js';
import { runMicro } from './lib/micro.js';
import { measurePair } from './lib/paired.js';
import { pinServices } from './lib/pin.js';
import { renderReport } from './lib/report.js';
import {
  type Endpoint,
  endpoints,
  type GroupRun,
  loadResults,
  type MicroRun,
  mergeResults,
  type PairedResult,
  pairedFigure,
  type Results,
  type ServerResult,
  saveResults,
} from './lib/results.js';
import { startServer } from './lib/server-process.js';
import { pairsFor, targets } from './lib/targets.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const resultsPath = join(root, 'bench/results/latest.json');
const argv = process.argv.slice(2);
const options = parseBenchArgs(argv);
const command = `npm run bench${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`;
const selected = (name: string) =>
  !options.groups || options.groups.some((g) => name === g || name.startsWith(`${g}-`));
const serverEnv = {
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  MYSQL_URL: process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test',
};

// Under 5 s per endpoint the figures are too noisy to quote, whatever the flags.
const smokeRun = options.quick || options.durationSec < 5;
const load = pickLoadGenerator(options.load);
const log = (line: string) => console.log(line);

if (options.reportOnly) {
  const saved = loadResults(resultsPath);
  if (!saved) {
    console.error('bench: no saved results in bench/results/latest.json; run the benchmark first');
    process.exit(1);
  }
  writeReport(saved, saved.groups[0]?.command ?? command);
  log('Rewrote BENCHMARKS.md and bench/chart.svg from bench/results/latest.json');
  process.exit(0);
}

// Local services share the load generator's core for the run (see pin.ts), put back on exit.
process.on('exit', pinServices());
const machine = describeMachine();

// The servers import sessionkit as users do (the package's dist/), so build it first.
log('bench: building dist/ (npm run build)');
const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) {
  console.error('bench: npm run build failed');
  process.exit(1);
}
log(
  `bench: ${load.description}, ${options.durationSec} s per endpoint, ${options.connections} connections` +
    (options.sessions > 1 ? `, ${options.sessions} sessions per server` : ''),
);

const servers = discoverServers(join(root, 'bench/servers'));
for (const g of options.groups ?? []) {
  if (!servers.has(g) && g !== 'micro') log(`bench: no bench/servers/${g}--*.ts files yet`);
}

const groups: GroupRun[] = [];
for (const [group, files] of servers) {
  if (!selected(group)) continue;
  const run: GroupRun = {
    group,
    date: new Date().toISOString(),
    command,
    durationSec: options.durationSec,
    warmupSec: options.warmupSec,
    connections: options.connections,
    rounds: options.rounds,
    quick: smokeRun,
    loadGenerator: load.description,
    servers: [],
  };
  if (!files[0]?.baseline) log(`[${group}] no ${group}--bare-*.ts baseline: ratios will be empty`);
  // Rounds interleave the servers, so a burst of load from elsewhere hits them all alike.
  const rounds: ServerResult[][] = [];
  const stolen: (number | undefined)[] = [];
  const groupStart = cpuTicks();
  for (let round = 1; round <= options.rounds; round++) {
    if (options.rounds > 1) log(`[${group}] round ${round} of ${options.rounds}`);
    rounds.push([]);
    const roundStart = cpuTicks();
    for (const file of files) rounds.at(-1)!.push(await measureServer(file, load));
    stolen.push(stolenPercent(roundStart, cpuTicks()));
  }
  run.servers = files.map((_, i) => medianOf(rounds.map((r) => r[i]!)));
  const percent = stolenPercent(groupStart, cpuTicks());
  if (percent !== undefined && stolen.every((p) => p !== undefined)) {
    run.stolen = { percent, rounds: stolen as number[] };
    log(`[${group}] CPU time stolen by the hypervisor: ${percent}% (rounds: ${stolen.join('%, ')}%)`);
  }
  if (options.paired) run.paired = await measurePairs(group, files);
  groups.push(run);
}

const micro: MicroRun[] = [];
for (const file of discoverMicro(join(root, 'bench/micro'))) {
  const name = basename(file, '.ts');
  // Micro-benchmarks hold no sessions: a many-session side run skips them.
  if (options.sessions > 1 || !(selected(name) || options.groups?.includes('micro'))) continue;
  log(`[micro] ${name} ...`);
  const result = await runMicro(file, {
    cwd: root,
    env: serverEnv,
    quick: smokeRun,
    command,
    timeoutMs: (options.quick ? 120 : 600) * 1000,
  });
  log(
    result.failed ? `[micro] ${name}: failed: ${result.failed}` : `[micro] ${name}: ${result.entries.length} results`,
  );
  micro.push(result);
}

const current: Results = { machine, groups, micro };
let checks: ReturnType<typeof evaluateTargets>;
if (options.sessions > 1) {
  // A side run: its own results file; the report shows the one-session runs.
  const sidePath = join(root, `bench/results/sessions-${options.sessions}.json`);
  saveResults(sidePath, current);
  checks = evaluateTargets(targets, current);
  log(`\nSaved ${relative(root, sidePath)}; BENCHMARKS.md is unchanged (${options.sessions} sessions per server).`);
} else {
  // A run limited to some groups keeps the other groups' last results in the report.
  const results = options.groups ? mergeResults(loadResults(resultsPath), current) : current;
  saveResults(resultsPath, results);
  checks = writeReport(results, command);
}

log('\nTargets:');
for (const c of checks.filter((c) => c.status !== 'not measured')) {
  const what = c.target.kind === 'http' ? `${c.target.server} /${c.target.endpoint}` : c.target.name;
  log(
    `  ${c.status.padEnd(7)} ${c.target.group}: ${what} ${figure(decisive(c))}` +
      `${c.paired ? ' paired' : ''} (min ${c.target.min}x ${c.againstName})`,
  );
}
log(`  (${checks.filter((c) => c.status === 'not measured').length} not measured)`);
if (options.sessions === 1) log('Wrote BENCHMARKS.md and bench/chart.svg');

/** Starts one server, warms up and measures both endpoints, stops it. Never throws. */
async function measureServer(file: ServerFile, generator: LoadGenerator): Promise<ServerResult> {
  const result: ServerResult = {
    server: file.server,
    file: `bench/servers/${basename(file.path)}`,
    baseline: file.baseline,
  };
  const tag = `[${file.group}] ${file.server}`;
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let step = 'start';
  try {
    server = await startServer(file.path, { cwd: root, env: serverEnv, sessions: options.sessions });
    const { baseUrl, cookies } = server;
    const measure = (endpoint: Endpoint, durationSec: number) =>
      generator.measure({ url: `${baseUrl}/${endpoint}`, cookies, durationSec, connections: options.connections });
    if (options.warmupSec > 0) {
      for (const endpoint of endpoints) {
        step = `warm-up /${endpoint}`;
        await measure(endpoint, options.warmupSec);
      }
    }
    for (const endpoint of endpoints) {
      step = `/${endpoint}`;
      result[endpoint] = await measure(endpoint, options.durationSec);
      const exited = server.exited();
      if (exited) throw new Error(exited);
    }
    log(`${tag}: ${endpoints.map((e) => `/${e} ${perSecond(result[e]!.rps)} req/s`).join(', ')}`);
  } catch (error) {
    result.failed = `${step}: ${(error as Error).message}`.replaceAll('\n', ' ').slice(0, 300);
    log(`${tag}: failed (${result.failed})`);
  } finally {
    await server?.stop();
  }
  return result;
}

/** One server's rounds combined: per endpoint the result with the median req/s. */
function medianOf(rounds: ServerResult[]): ServerResult {
  const combined: ServerResult = { ...rounds[0]!, failed: rounds.find((r) => r.failed)?.failed };
  if (rounds.length > 1) combined.roundRps = rounds.map((r) => ({ read: r.read?.rps, inc: r.inc?.rps }));
  for (const endpoint of endpoints) {
    const measured = rounds.flatMap((r) => (r[endpoint] ? [r[endpoint]] : [])).sort((a, b) => a.rps - b.rps);
    combined[endpoint] = measured[Math.floor((measured.length - 1) / 2)];
  }
  return combined;
}

/** --paired: each of the group's pairs (bench/lib/targets.ts), both servers at once, `--rounds` rounds. */
async function measurePairs(group: string, files: ServerFile[]): Promise<PairedResult[]> {
  const results: PairedResult[] = [];
  const byName = new Map(files.map((f) => [f.server, f]));
  for (const { server, against } of pairsFor(group, files.find((f) => f.baseline)?.server)) {
    const a = byName.get(server);
    const b = byName.get(against);
    if (!a || !b) {
      log(`[${group}] paired ${server} ÷ ${against}: no bench/servers/${group}--${a ? against : server}.ts`);
      continue;
    }
    const pair = await measurePair(a, b, {
      generator: load,
      start: { cwd: root, env: serverEnv, sessions: options.sessions },
      durationSec: options.durationSec,
      warmupSec: options.warmupSec,
      connections: options.connections,
      rounds: options.rounds,
    });
    const figures = endpoints.map((e) => `/${e} ${figure(pairedFigure(pair, e))}`);
    log(`[${group}] paired ${server} ÷ ${against}: ${pair.failed ? `failed (${pair.failed})` : figures.join(', ')}`);
    results.push(pair);
  }
  return results;
}

/** Writes BENCHMARKS.md (with the hand-written bench/NOTES.md, if any) and the chart. */
function writeReport(results: Results, by: string) {
  const checks = evaluateTargets(targets, results);
  const notesPath = join(root, 'bench/NOTES.md');
  const notes = existsSync(notesPath) ? readFileSync(notesPath, 'utf8') : undefined;
  const loadGenerator = results.groups[0]?.loadGenerator ?? load.description;
  writeFileSync(
    join(root, 'BENCHMARKS.md'),
    renderReport(results, checks, { loadGenerator, command: by, chartPath: 'bench/chart.svg', notes }),
  );
  writeFileSync(join(root, 'bench/chart.svg'), renderChart(results));
  return checks;
}
