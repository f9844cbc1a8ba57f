/** Finds bench/servers/<group>--<name>.ts files and bench/micro/*.ts files. */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface ServerFile {
  group: string;
  /** File name without the group prefix and .ts. */
  server: string;
  path: string;
  baseline: boolean;
}

/** The order groups are run and reported in; groups not listed follow alphabetically. */
const groupOrder = ['core', 'cookie', 'redis', 'sql', 'express', 'fastify', 'hono', 'koa'];

const tsFiles = (dir: string) =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
        .sort()
    : [];

/**
 * Each known group's baseline, by name, so a new `bare-*` reference row (say
 * `cookie--bare-sealed.ts`) cannot silently take its place by sorting first.
 */
const baselines: Record<string, string> = {
  core: 'bare-node',
  cookie: 'bare-node',
  redis: 'bare-ioredis',
  sql: 'bare-node',
  express: 'bare-express',
  fastify: 'bare-fastify',
  hono: 'bare-hono',
  koa: 'bare-koa',
};

/**
 * Server files by group, the baseline first: the one named in `baselines`, or for a group
 * not listed there its first `bare-*` file alphabetically.
 */
export function discoverServers(dir: string): Map<string, ServerFile[]> {
  const byGroup = new Map<string, ServerFile[]>();
  for (const file of tsFiles(dir)) {
    const match = /^([a-z0-9-]+?)--(.+)\.ts$/.exec(file);
    if (!match) {
      console.warn(`bench: ignoring bench/servers/${file} (expected <group>--<name>.ts)`);
      continue;
    }
    const [, group, server] = match as unknown as [string, string, string];
    byGroup.set(group, [...(byGroup.get(group) ?? []), { group, server, path: join(dir, file), baseline: false }]);
  }
  for (const [group, files] of byGroup) {
    const named = baselines[group];
    const baseline = named ? files.find((f) => f.server === named) : files.find((f) => f.server.startsWith('bare-'));
    if (named && !baseline) console.warn(`bench: group ${group} has no ${group}--${named}.ts, its baseline`);
    if (baseline) {
      baseline.baseline = true;
      files.splice(files.indexOf(baseline), 1);
      files.unshift(baseline);
    }
  }
  const rank = (g: string) => (groupOrder.includes(g) ? groupOrder.indexOf(g) : groupOrder.length);
  return new Map([...byGroup].sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b)));
}

export function discoverMicro(dir: string): string[] {
  return tsFiles(dir).map((f) => join(dir, f));
}
