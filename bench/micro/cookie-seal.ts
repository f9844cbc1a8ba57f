/**
 * Micro-benchmark: one seal + one open of the same session payload, ~100 B and ~3 KB,
 * for sessionkit's CookieStore (sealed and signed-only) and the cookie-session libraries
 * users would otherwise pick. Prints one JSON line per case:
 *   {"group":"cookie-seal-small"|"cookie-seal-large","name":"<lib>","opsPerSec":n,"note":"..."}
 * BENCH_MS (default 600; 200 with BENCH_QUICK) sets the time per case.
 */
import { createRequire } from 'node:module';
import Fastify from 'fastify';
import fastifySecureSession from '@fastify/secure-session';
import { decrypt as honoDecrypt, encrypt as honoEncrypt } from 'hono-sessions';
import { sealData, unsealData } from 'iron-session';
import { CLIENT_SIDE } from '../../src/core/client-side.js';
import type { SessionRecord } from '../../src/core/store.js';
import { CookieStore, generateKey, KeyRing } from '../../src/stores/cookie.js';

const require = createRequire(import.meta.url);
const MS = Number(process.env.BENCH_MS ?? (process.env.BENCH_QUICK ? 200 : 600));
const PASSWORD = 'a-benchmark-password-that-is-at-least-32-characters-long';

function payload(bytes: number): Record<string, unknown> {
  const data: Record<string, unknown> = { userId: 'u_12345', role: 'member', count: 0 };
  let i = 0;
  while (JSON.stringify(data).length < bytes) data[`k${i++}`] = 'lorem ipsum dolor sit amet';
  return data;
}

type Case = { name: string; note: string; run: (data: Record<string, unknown>) => unknown };

async function measure(run: Case['run'], data: Record<string, unknown>): Promise<number> {
  // Warm up, then count whole seal+open round trips for MS milliseconds.
  const warm = performance.now() + MS / 4;
  while (performance.now() < warm) await run(data);
  let ops = 0;
  const start = performance.now();
  const end = start + MS;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 16; i++) await run(data);
    ops += 16;
    now = performance.now();
  }
  return (ops * 1000) / (now - start);
}

function check(ok: boolean, name: string): void {
  if (!ok) throw new Error(`${name}: round trip failed`);
}

async function main(): Promise<void> {
  const key = generateKey();
  const now = Date.now();
  const record = (data: Record<string, unknown>): SessionRecord => ({
    data,
    createdAt: now,
    lastSeenAt: now,
    expiresAt: now + 1_800_000,
    deadline: now + 43_200_000,
  });
  const sealed = new CookieStore({ keys: [key] })[CLIENT_SIDE];
  const signed = new CookieStore({ keys: [key], mode: 'signed' })[CLIENT_SIDE];
  const web = new CookieStore({ keys: new KeyRing([key], { engine: 'web' }) })[CLIENT_SIDE];
  const sessionkit = (codec: typeof sealed, name: string) => async (data: Record<string, unknown>) => {
    const value = await codec.seal('sid', record(data), now, 'bench-session-id');
    const opened = await codec.open('sid', value);
    check(opened.ok, name);
  };

  const fastify = Fastify();
  await fastify.register(fastifySecureSession, { key: Buffer.alloc(32, 7), cookie: { path: '/' } });
  await fastify.ready();
  const secure = fastify as unknown as {
    createSecureSession(data: Record<string, unknown>): unknown;
    encodeSecureSession(session: unknown): string;
    decodeSecureSession(cookie: string): { get(key: string): unknown } | null;
  };

  const Keygrip = require('keygrip') as new (
    keys: string[],
  ) => {
    sign(data: string): string;
    index(data: string, digest: string): number;
  };
  const keygrip = new Keygrip([PASSWORD]);

  const cases: Case[] = [
    {
      name: 'sessionkit',
      note: 'CookieStore sealed: AES-256-GCM via node:crypto',
      run: sessionkit(sealed, 'sessionkit'),
    },
    { name: 'sessionkit-signed', note: 'CookieStore signed-only: HMAC-SHA256', run: sessionkit(signed, 'signed') },
    {
      name: 'sessionkit-webcrypto',
      note: 'CookieStore sealed via the Web Crypto fallback',
      run: sessionkit(web, 'web'),
    },
    {
      name: 'iron-session',
      note: 'sealData + unsealData (iron-webcrypto: AES-256-CBC + HMAC, PBKDF2 per seal)',
      run: async (data) =>
        check(
          (
            (await unsealData(await sealData(data, { password: PASSWORD }), { password: PASSWORD })) as {
              userId?: string;
            }
          ).userId === 'u_12345',
          'iron',
        ),
    },
    {
      name: '@fastify/secure-session',
      note: 'encodeSecureSession + decodeSecureSession (libsodium secretbox via sodium-native)',
      run: (data) =>
        check(
          secure.decodeSecureSession(secure.encodeSecureSession(secure.createSecureSession(data)))?.get('userId') ===
            'u_12345',
          'fastify',
        ),
    },
    {
      name: 'cookie-session',
      note: 'signed only: base64 JSON + keygrip HMAC-SHA1 signature of name=value, as cookie-session/cookies do',
      run: (data) => {
        const value = Buffer.from(JSON.stringify(data)).toString('base64');
        const signature = keygrip.sign(`session=${value}`);
        check(keygrip.index(`session=${value}`, signature) === 0, 'cookie-session');
        check(JSON.parse(Buffer.from(value, 'base64').toString()).userId === 'u_12345', 'cookie-session');
      },
    },
    {
      name: 'hono-sessions',
      note: 'encrypt + decrypt of the JSON (iron-webcrypto seal, as its CookieStore does)',
      run: async (data) => {
        const value = await honoEncrypt(PASSWORD, JSON.stringify(data));
        check(JSON.parse((await honoDecrypt(PASSWORD, value)) as string).userId === 'u_12345', 'hono');
      },
    },
  ];

  for (const [group, size] of [
    ['cookie-seal-small', 100],
    ['cookie-seal-large', 3000],
  ] as const) {
    const data = payload(size);
    for (const c of cases) {
      const opsPerSec = await measure(c.run, data);
      console.log(
        JSON.stringify({
          group,
          name: c.name,
          opsPerSec: Math.round(opsPerSec),
          note: `${c.note}; payload ${JSON.stringify(data).length} B JSON`,
        }),
      );
    }
  }
  await fastify.close();
}

await main();
