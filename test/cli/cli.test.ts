/** The `sessionkit` bin, run as a real process from source: dispatcher, keygen, decode. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { generateKey } from '../../src/core/keyring.js';
import { createSessions } from '../../src/core/manager.js';
import { CookieStore } from '../../src/stores/cookie.js';

const exec = promisify(execFile);
const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

async function cli(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['--import', 'tsx', MAIN, ...args], {
      env: { ...process.env, SESSIONKIT_KEYS: '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A cookie sealed by a real manager, as a Cookie header. */
async function sealedCookie(keys: string[], data: Record<string, unknown>, now = Date.now()) {
  const manager = createSessions({ store: new CookieStore({ keys }), now: () => now, cleanupInterval: false });
  const session = await manager.load('');
  for (const [k, v] of Object.entries(data)) session.set(k, v);
  const { cookies } = await manager.commit(session);
  return cookies.map((c) => c.split(';')[0]).join('; ');
}

describe('sessionkit CLI', () => {
  it('help lists the command files; bad and unknown names are refused', async () => {
    const help = await cli(['help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /keygen\s+Print a new 256-bit key/);
    assert.match(help.stdout, /decode\s+Open a sealed session cookie/);
    assert.equal((await cli(['no-such-command'])).code, 2);
    const traversal = await cli(['../../etc/passwd']);
    assert.equal(traversal.code, 2);
    assert.match(traversal.stderr, /unknown command/);
  });

  it('the bin starts with a node shebang', () => {
    assert.ok(readFileSync(MAIN, 'utf8').startsWith('#!/usr/bin/env node\n'));
  });

  it('keygen prints keys CookieStore accepts', async () => {
    const { code, stdout } = await cli(['keygen', '--count', '2']);
    assert.equal(code, 0);
    const keys = stdout.trim().split('\n');
    assert.equal(keys.length, 2);
    for (const key of keys) assert.match(key, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(keys[0], keys[1]);
    assert.doesNotThrow(() => new CookieStore({ keys }));
  });

  it('decode opens a cookie with keys from the environment and prints JSON; clear errors otherwise', async () => {
    const key = generateKey();
    const cookie = await sealedCookie([key], { user: 'ada', big: 'x'.repeat(5000) });
    assert.match(cookie, /sid\.1=/, 'chunked');
    const ok = await cli(['decode', cookie], { SESSIONKIT_KEYS: `${generateKey()},${key}` });
    assert.equal(ok.code, 0, ok.stderr);
    const out = JSON.parse(ok.stdout);
    assert.equal(out.data.user, 'ada');
    assert.match(out.sealedWith, /older key/);

    const wrong = await cli(['decode', cookie, '--key', generateKey()]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /wrong key/);

    const single = await sealedCookie([key], { n: 1 });
    const value = single.slice(4);
    const tampered = await cli([
      'decode',
      `${value.slice(0, 20)}${value[20] === 'A' ? 'B' : 'A'}${value.slice(21)}`,
      '--key',
      key,
    ]);
    assert.equal(tampered.code, 1);
    assert.match(tampered.stderr, /tampered/);

    const old = await sealedCookie([key], { n: 1 }, Date.now() - 24 * 3600_000);
    const expired = await cli(['decode', old, '--key', key]);
    assert.equal(expired.code, 1);
    assert.match(expired.stderr, /expired: the (absolute|idle) timeout passed/);
    assert.equal((await cli(['decode', old, '--key', key, '--ignore-expiry'])).code, 0);

    const noKeys = await cli(['decode', value]);
    assert.equal(noKeys.code, 2);
    assert.match(noKeys.stderr, /SESSIONKIT_KEYS/);
  });

  it('decode --gorilla opens a cookie written by Go', async () => {
    const vectors = readFileSync(new URL('../gorilla/gorilla-securecookie.jsonl', import.meta.url), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    const v = vectors.find((x: { id: string }) => x.id === 'aes256/gob/multi/fixed');
    const { code, stdout, stderr } = await cli([
      'decode',
      '--gorilla',
      v.encoded,
      '--hash-key',
      v.hashKeyHex,
      '--block-key',
      v.blockKeyHex,
    ]);
    assert.equal(code, 0, stderr);
    assert.deepEqual(JSON.parse(stdout), { user: 'john', n: 42 });
  });
});
