/** `sessionkit prune --store <url>`: removes expired sessions now (SQL stores; cron-friendly). */
import { parseArgs } from '../args.js';
import { type CommandIo, processIo, withStoreFromFlags } from '../open-store.js';

export const summary = 'Delete expired sessions now, e.g. from cron (--store <url>)';

const USAGE = `Usage: sessionkit prune [--store <url>]

Deletes expired sessions from stores that keep them until pruned (SQLite, PostgreSQL,
MySQL). Redis and memcached expire records themselves; there it does nothing.
  --store <url>  SQLite file path, postgres:// or mysql:// (default: env SESSION_STORE)
`;

export async function run(args: readonly string[], io: CommandIo = processIo): Promise<number> {
  const parsed = parseArgs([...args], { store: 'value', help: 'flag' });
  if (parsed.flags.help) {
    io.out(USAGE);
    return 0;
  }
  if (parsed.error) {
    io.err(`${parsed.error}\n${USAGE}`);
    return 2;
  }
  return withStoreFromFlags(parsed.values.store, io, async ({ store }) => {
    if (typeof store.prune !== 'function') {
      io.out('nothing to do: this store expires sessions itself');
      return 0;
    }
    const removed = await store.prune();
    io.out(`pruned ${removed} expired session${removed === 1 ? '' : 's'}`);
    return 0;
  });
}
