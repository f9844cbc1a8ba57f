/** `sessionkit list --user <id> --store <url> [--json]`: a user's live sessions. */
import { parseArgs } from '../args.js';
import { type CommandIo, processIo, withStoreFromFlags } from '../open-store.js';

export const summary = "List a user's live sessions (--user <id> --store <url> [--json])";

const USAGE = `Usage: sessionkit list --user <id> [--store <url>] [--json]

Lists the user's live sessions, most recently used first: store key (pass it to
\`sessionkit revoke --key\`), created, last seen, expiry, IP and user agent.
  --store <url>  SQLite file path, redis://, postgres:// or mysql:// (default: env SESSION_STORE)
  --json         print JSON instead of a table
`;

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

export async function run(args: readonly string[], io: CommandIo = processIo): Promise<number> {
  const parsed = parseArgs([...args], { user: 'value', store: 'value', json: 'flag', help: 'flag' });
  const user = parsed.values.user;
  if (parsed.flags.help) {
    io.out(USAGE);
    return 0;
  }
  if (parsed.error || !user) {
    io.err(`${parsed.error ?? 'missing --user <id>'}\n${USAGE}`);
    return 2;
  }
  return withStoreFromFlags(parsed.values.store, io, async ({ store }) => {
    if (typeof store.listByUser !== 'function') {
      io.err('this store keeps no per-user index, so it cannot list sessions by user');
      return 1;
    }
    const sessions = (await store.listByUser(user)).sort((a, b) => b.lastSeenAt - a.lastSeenAt);
    if (parsed.flags.json) {
      io.out(JSON.stringify(sessions, null, 2));
      return 0;
    }
    if (sessions.length === 0) {
      io.out(`no live sessions for user ${user}`);
      return 0;
    }
    io.out(['KEY', 'CREATED', 'LAST SEEN', 'EXPIRES', 'IP', 'USER AGENT'].join('\t'));
    for (const s of sessions) {
      io.out(
        [
          s.key,
          iso(s.createdAt),
          iso(s.lastSeenAt),
          iso(s.expiresAt),
          s.client?.ip ?? '-',
          s.client?.userAgent ?? '-',
        ].join('\t'),
      );
    }
    return 0;
  });
}
