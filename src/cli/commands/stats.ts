/** `sessionkit stats --store <url> [--json]`: how many live sessions the store holds. */
import { parseArgs } from '../args.js';
import { type CommandIo, processIo, withStoreFromFlags } from '../open-store.js';

export const summary = 'Count live sessions and show what the store can do (--store <url> [--json])';

const USAGE = `Usage: sessionkit stats [--store <url>] [--json]

  --store <url>  SQLite file path, redis://, postgres:// or mysql:// (default: env SESSION_STORE)
  --json         print one JSON object
`;

export async function run(args: readonly string[], io: CommandIo = processIo): Promise<number> {
  const parsed = parseArgs([...args], { store: 'value', json: 'flag', help: 'flag' });
  if (parsed.flags.help) {
    io.out(USAGE);
    return 0;
  }
  if (parsed.error) {
    io.err(`${parsed.error}\n${USAGE}`);
    return 2;
  }
  return withStoreFromFlags(parsed.values.store, io, async ({ store, description }) => {
    const active = typeof store.count === 'function' ? await store.count() : undefined;
    const stats = {
      store: description,
      activeSessions: active ?? null,
      perUserIndex: typeof store.listByUser === 'function',
      prunes: typeof store.prune === 'function',
    };
    if (parsed.flags.json) {
      io.out(JSON.stringify(stats));
      return 0;
    }
    io.out(`store:           ${stats.store}`);
    io.out(`active sessions: ${active === undefined ? 'unknown (this store cannot count cheaply)' : active}`);
    io.out(`per-user index:  ${stats.perUserIndex ? 'yes' : 'no'}`);
    io.out(`needs pruning:   ${stats.prunes ? 'yes (sessionkit prune)' : 'no (the backend expires records itself)'}`);
    return 0;
  });
}
