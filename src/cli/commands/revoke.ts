/**
 * `sessionkit revoke --user <id> | --key <key> --store <url>`: ends all of a user's
 * sessions, or one session by its store key (as `list` prints it).
 */
import { parseArgs } from '../args.js';
import { type CommandIo, processIo, withStoreFromFlags } from '../open-store.js';

export const summary = "End all of a user's sessions or one by key (--user <id> | --key <key>, --store <url>)";

const USAGE = `Usage: sessionkit revoke (--user <id> | --key <key>) [--store <url>]

Ends sessions at once, server-side: every session of a user (account disabled,
password leaked), or one session by the store key \`sessionkit list\` prints.
  --store <url>  SQLite file path, redis://, postgres:// or mysql:// (default: env SESSION_STORE)
`;

export async function run(args: readonly string[], io: CommandIo = processIo): Promise<number> {
  const parsed = parseArgs([...args], { user: 'value', key: 'value', store: 'value', help: 'flag' });
  if (parsed.flags.help) {
    io.out(USAGE);
    return 0;
  }
  const { user, key } = parsed.values;
  if (parsed.error || !user === !key) {
    io.err(`${parsed.error ?? 'give exactly one of --user <id> or --key <key>'}\n${USAGE}`);
    return 2;
  }
  return withStoreFromFlags(parsed.values.store, io, async ({ store }) => {
    if (key) {
      const existed = await store.destroy(key);
      io.out(existed ? `revoked session ${key}` : `no session with key ${key}`);
      return existed ? 0 : 1;
    }
    if (typeof store.destroyByUser !== 'function') {
      io.err('this store keeps no per-user index, so it cannot revoke by user');
      return 1;
    }
    const count = await store.destroyByUser(user as string);
    io.out(`revoked ${count} session${count === 1 ? '' : 's'} of user ${user}`);
    return 0;
  });
}
