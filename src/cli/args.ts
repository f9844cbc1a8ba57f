/** A small argument parser for the CLI commands: --name value, --name=value, --flag, positionals. */
export type ArgSpec = Record<string, 'flag' | 'value' | 'list'>;

export interface ParsedArgs {
  flags: Record<string, boolean>;
  values: Record<string, string | undefined>;
  lists: Record<string, string[]>;
  positionals: string[];
  error?: string;
}

export function parseArgs(args: string[], spec: ArgSpec): ParsedArgs {
  const parsed: ParsedArgs = { flags: {}, values: {}, lists: {}, positionals: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('--') || arg === '--') {
      if (arg === '--') {
        parsed.positionals.push(...args.slice(i + 1));
        break;
      }
      parsed.positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const kind = spec[name];
    if (!kind) return { ...parsed, error: `unknown option --${name}` };
    if (kind === 'flag') {
      parsed.flags[name] = true;
      continue;
    }
    const value = eq === -1 ? args[++i] : arg.slice(eq + 1);
    if (value === undefined) return { ...parsed, error: `option --${name} needs a value` };
    if (kind === 'list') (parsed.lists[name] ??= []).push(value);
    else parsed.values[name] = value;
  }
  return parsed;
}
