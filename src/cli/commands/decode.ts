/**
 * `sessionkit decode <cookie-value>`: opens a CookieStore cookie (or a gorilla/securecookie
 * value with --gorilla) and prints its contents as JSON. Keys come from --key or the
 * SESSIONKIT_KEYS environment variable (comma-separated, newest first).
 */
import { CLIENT_SIDE } from '../../core/client-side.js';
import { parseCookies } from '../../core/cookie.js';
import { isSessionError } from '../../core/errors.js';
import { CookieStore } from '../../stores/cookie.js';
import { GorillaCodec } from '../../gorilla/index.js';
import { parseArgs } from '../args.js';

export const summary = 'Open a sealed session cookie with your keys and print it as JSON';

const USAGE = `Usage: sessionkit decode <cookie-value | "Cookie: header"> [options]

Opens a CookieStore cookie and prints the session as JSON. Give the value alone, or the
whole Cookie header (quoted) when the session spans chunk cookies (sid, sid.1, ...).
  --key K          a key (repeat for several, newest first); default $SESSIONKIT_KEYS
  --name NAME      the cookie name the value was sealed for (default sid)
  --signed         the store runs in signed-only mode
  --ignore-expiry  print an expired session instead of refusing it
Go (gorilla/securecookie, gin-contrib/sessions):
  --gorilla        decode a securecookie value (--name defaults to mysession)
  --hash-key HEX   --block-key HEX   the Go key pair ($SESSIONKIT_GORILLA_HASH_KEY / _BLOCK_KEY)
  --encoding gob|json   the Go serializer (default gob)
Exit status: 0 opened, 1 refused (wrong key, tampered, expired, malformed), 2 usage.
`;

const REASONS: Record<string, string> = {
  'unknown-key': 'wrong key: none of the given keys sealed this value (was a key removed or rotated out?)',
  tampered: 'tampered: the authentication tag does not match (changed, truncated, or sealed for another cookie name)',
  malformed: 'malformed: not a sessionkit sealed value (bad base64url, or too short)',
  truncated: 'truncated: a chunk cookie is missing',
  duplicate: 'duplicate: a cookie name appears twice',
};

function fail(message: string, code = 1): number {
  process.stderr.write(`sessionkit decode: ${message}\n`);
  return code;
}

/** Plain JSON for Go Maps and byte arrays. */
function toJson(value: unknown): unknown {
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), toJson(v)]));
  if (Array.isArray(value)) return value.map(toJson);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** The sealed value: a bare value, or reassembled from a Cookie header's chunks. */
function sealedValue(input: string, name: string): string | { reason: string } {
  const text = input.replace(/^cookie:\s*/i, '').trim();
  // Go's padded base64 ends in '=': only "name=..." or a ';'-separated list is a header.
  if (!text.startsWith(`${name}=`) && !text.includes(';')) return text;
  const cookies = parseCookies(text);
  const head = cookies.get(name);
  if (head === undefined) return { reason: `no cookie named ${name} in the header` };
  const match = /^([2-9])\.(.*)$/.exec(head);
  if (!match) return head;
  let value = match[2];
  for (let i = 1; i < Number(match[1]); i++) {
    const part = cookies.get(`${name}.${i}`);
    if (part === undefined) return { reason: REASONS.truncated };
    value += part;
  }
  return value;
}

export async function run(args: string[]): Promise<number> {
  const parsed = parseArgs(args, {
    key: 'list',
    name: 'value',
    signed: 'flag',
    'ignore-expiry': 'flag',
    gorilla: 'flag',
    'hash-key': 'value',
    'block-key': 'value',
    encoding: 'value',
    help: 'flag',
  });
  if (parsed.flags.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (parsed.error) return fail(`${parsed.error}\n${USAGE}`, 2);
  const [input] = parsed.positionals;
  if (input === undefined || parsed.positionals.length > 1) return fail(`give exactly one cookie value\n${USAGE}`, 2);
  if (parsed.flags.gorilla) return decodeGorilla(input, parsed.values);

  const keys =
    parsed.lists.key ??
    (process.env.SESSIONKIT_KEYS ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean);
  if (keys.length === 0) return fail('no keys: pass --key or set SESSIONKIT_KEYS (comma-separated, newest first)', 2);
  const name = parsed.values.name ?? 'sid';
  let store: CookieStore;
  try {
    store = new CookieStore({ keys, mode: parsed.flags.signed ? 'signed' : 'sealed' });
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error), 2);
  }
  const value = sealedValue(input, name);
  if (typeof value !== 'string') return fail(value.reason);
  const opened = await store[CLIENT_SIDE].open(name, value);
  if (!opened.ok) return fail(REASONS[opened.reason] ?? opened.reason);
  const { record } = opened;
  const now = Date.now();
  const expired = record.deadline <= now ? 'absolute' : record.expiresAt <= now ? 'idle' : undefined;
  if (expired && !parsed.flags['ignore-expiry']) {
    const at = new Date(expired === 'absolute' ? record.deadline : record.expiresAt).toISOString();
    return fail(`expired: the ${expired} timeout passed at ${at} (--ignore-expiry prints it anyway)`);
  }
  const iso = (ms: number) => new Date(ms).toISOString();
  const output = {
    data: record.data,
    flash: record.flash ?? {},
    userId: record.userId ?? null,
    createdAt: iso(record.createdAt),
    lastSeenAt: iso(record.lastSeenAt),
    expiresAt: iso(record.expiresAt),
    deadline: iso(record.deadline),
    issuedAt: iso(opened.issuedAt),
    persistent: record.persistent ?? false,
    expired: expired ?? false,
    sealedWith: opened.stale ? 'an older key (will be re-sealed on its next request)' : 'the newest key',
  };
  process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
  return 0;
}

async function decodeGorilla(input: string, values: Record<string, string | undefined>): Promise<number> {
  const hashKey = values['hash-key'] ?? process.env.SESSIONKIT_GORILLA_HASH_KEY;
  const blockKey = values['block-key'] ?? process.env.SESSIONKIT_GORILLA_BLOCK_KEY;
  if (!hashKey) return fail('--gorilla needs --hash-key HEX (or SESSIONKIT_GORILLA_HASH_KEY)', 2);
  const encoding = values.encoding ?? 'gob';
  if (encoding !== 'gob' && encoding !== 'json') return fail('--encoding must be gob or json', 2);
  try {
    const codec = new GorillaCodec([{ hashKey, blockKey: blockKey || undefined }], { encoding, maxAge: 0 });
    const name = values.name ?? 'mysession';
    const decoded = await codec.decode(name, sealedValue(input, name) as string);
    process.stdout.write(`${JSON.stringify(toJson(decoded), null, 2)}\n`);
    return 0;
  } catch (error) {
    if (isSessionError(error)) return fail(error.message, error.code === 'invalid-option' ? 2 : 1);
    throw error;
  }
}
