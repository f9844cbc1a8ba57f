#!/usr/bin/env node
/**
 * The `sessionkit` command. `sessionkit <command> ...args` loads ./commands/<command>.js,
 * which exports `run(args): Promise<number>` (the exit code) and `summary` (one line for
 * `sessionkit help`). Adding a command is adding a file; this dispatcher never changes.
 */
import { readdir } from 'node:fs/promises';

export interface Command {
  run(args: string[]): Promise<number>;
  summary: string;
}

const COMMAND_NAME = /^[a-z][a-z-]*$/;
const COMMANDS = new URL('./commands/', import.meta.url);
const SOURCE = /^([a-z][a-z-]*)\.(?:js|ts)$/;

async function load(name: string): Promise<Command | undefined> {
  try {
    const command = (await import(new URL(`${name}.js`, COMMANDS).href)) as Partial<Command>;
    return typeof command.run === 'function' ? (command as Command) : undefined;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(`${name}.`)) return undefined;
    throw error;
  }
}

/** Every command in the commands folder (compiled .js, or .ts when run from source). */
async function commandNames(): Promise<string[]> {
  const files = await readdir(COMMANDS).catch(() => [] as string[]);
  const names = new Set<string>();
  for (const file of files) {
    const match = SOURCE.exec(file);
    if (match && !file.endsWith('.d.ts')) names.add(match[1]);
  }
  return [...names].sort();
}

async function help(): Promise<number> {
  const lines = ['Usage: sessionkit <command> [options]', '', 'Commands:'];
  const names = await commandNames();
  const width = Math.max(4, ...names.map((n) => n.length));
  for (const name of names) {
    let summary = '';
    try {
      summary = (await load(name))?.summary ?? '';
    } catch {
      summary = '(failed to load)';
    }
    lines.push(`  ${name.padEnd(width)}  ${summary}`);
  }
  lines.push(
    `  ${'help'.padEnd(width)}  Show this list`,
    '',
    "Run `sessionkit <command> --help` for a command's options.",
  );
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') return help();
  const command = COMMAND_NAME.test(name) ? await load(name) : undefined;
  if (!command) {
    process.stderr.write(
      `sessionkit: unknown command ${JSON.stringify(name)}. Commands: ${(await commandNames()).join(', ')}\n`,
    );
    return 2;
  }
  return command.run(args);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`sessionkit: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
