/** `sessionkit keygen`: prints new keys in the format the `keys` options take. */
import { randomBytes } from 'node:crypto';
import { generateKey } from '../../core/keyring.js';
import { parseArgs } from '../args.js';

export const summary = 'Print a new 256-bit key for CookieStore / signed ids (--gorilla: a Go key pair)';

const USAGE = `Usage: sessionkit keygen [--count N] [--gorilla]

Prints a new random key (32 bytes, base64url) for the \`keys\` option of CookieStore
or createSessions. Put it in an environment variable; list keys newest first to rotate.
  --count N   print N keys, one a line
  --gorilla   print a gorilla/securecookie pair instead: hashKey (64 bytes) and blockKey
              (32 bytes, AES-256), hex, for Go's NewCookieStore and sessionkit/gorilla
`;

export async function run(args: string[]): Promise<number> {
  const parsed = parseArgs(args, { count: 'value', gorilla: 'flag', help: 'flag' });
  if (parsed.error || parsed.flags.help) {
    process[parsed.error ? 'stderr' : 'stdout'].write(`${parsed.error ? `${parsed.error}\n` : ''}${USAGE}`);
    return parsed.error ? 2 : 0;
  }
  const count = Number(parsed.values.count ?? 1);
  if (!Number.isInteger(count) || count < 1 || count > 100) {
    process.stderr.write('sessionkit keygen: --count must be a whole number from 1 to 100\n');
    return 2;
  }
  for (let i = 0; i < count; i++) {
    if (parsed.flags.gorilla) {
      process.stdout.write(`hashKey=${randomBytes(64).toString('hex')}\nblockKey=${randomBytes(32).toString('hex')}\n`);
    } else {
      process.stdout.write(`${generateKey()}\n`);
    }
  }
  return 0;
}
