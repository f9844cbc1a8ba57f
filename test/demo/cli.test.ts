/** The store commands of the `sessionkit` CLI (list, revoke, stats, prune) against real stores. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as list from '../../src/cli/commands/list.js';
import * as prune from '../../src/cli/commands/prune.js';
import * as revoke from '../../src/cli/commands/revoke.js';
import * as stats from '../../src/cli/commands/stats.js';
import { type CommandIo, openStore } from '../../src/cli/open-store.js';
import { createSessions } from '../../src/core/manager.js';
import type { SessionInfo } from '../../src/core/store.js';
import { ROOT } from './helpers.js';

function capture(env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CommandIo = { out: (l) => out.push(l), err: (l) => err.push(l), env };
  return { io, out, err };
}

/** Signs `userId` in on `count` sessions in the store at `url`; returns their store keys. */
async function seed(url: string, userId: string, count: number): Promise<string[]> {
  const opened = await openStore(url, { createTable: true });
  const manager = createSessions({ store: opened.store, cleanupInterval: false });
  const keys: string[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const session = await manager.load({ userAgent: `agent-${i}`, ip: '10.0.0.1', host: '127.0.0.1' });
      session.userId = userId;
      await manager.commit(session);
      keys.push(manager.keyOf(session) as string);
    }
  } finally {
    await manager.close();
    await opened.close();
  }
  return keys;
}

const sqliteUrl = () => join(mkdtempSync(join(tmpdir(), 'sk-cli-')), 'sessions.db');

describe('sessionkit list / revoke / stats / prune', () => {
  it('lists, revokes by key and by user, and counts, on a SQLite file', async () => {
    const db = sqliteUrl();
    const keys = await seed(db, 'u1', 3);
    await seed(db, 'u2', 1);

    const listed = capture();
    assert.equal(await list.run(['--user', 'u1', '--store', db, '--json'], listed.io), 0);
    const sessions = JSON.parse(listed.out.join('\n')) as SessionInfo[];
    assert.deepEqual(sessions.map((s) => s.key).sort(), [...keys].sort());
    assert.ok(sessions.every((s) => s.client?.ip === '10.0.0.1'));

    const table = capture({ SESSION_STORE: db });
    assert.equal(await list.run(['--user', 'u1'], table.io), 0, 'the store may come from SESSION_STORE');
    assert.equal(table.out.length, 4);
    assert.match(table.out[0] as string, /^KEY\tCREATED/);

    const one = capture();
    assert.equal(await revoke.run(['--key', keys[0] as string, '--store', db], one.io), 0);
    assert.match(one.out[0] as string, /revoked session/);
    assert.equal(await revoke.run(['--key', keys[0] as string, '--store', db], capture().io), 1, 'already gone');

    const counted = capture();
    assert.equal(await stats.run(['--store', db, '--json'], counted.io), 0);
    assert.equal(JSON.parse(counted.out[0] as string).activeSessions, 3);

    const all = capture();
    assert.equal(await revoke.run(['--user', 'u1', '--store', db], all.io), 0);
    assert.equal(all.out[0], 'revoked 2 sessions of user u1');
    const after = capture();
    await list.run(['--user', 'u1', '--store', db], after.io);
    assert.equal(after.out[0], 'no live sessions for user u1');
  });

  it('prunes expired records from a SQL store', async () => {
    const db = sqliteUrl();
    const opened = await openStore(db);
    const past = Date.now() - 60_000;
    const record = { data: {}, createdAt: past - 1000, lastSeenAt: past - 1000, expiresAt: past, deadline: past };
    await opened.store.create('expired-1', record);
    await opened.store.create('expired-2', record);
    await opened.close();
    const pruned = capture();
    assert.equal(await prune.run(['--store', db], pruned.io), 0);
    assert.equal(pruned.out[0], 'pruned 2 expired sessions');
  });

  it('works against Redis (which expires records itself)', async () => {
    const url = 'redis://127.0.0.1:6379/9';
    const user = `cli-${process.pid}-${Date.now()}`;
    const keys = await seed(url, user, 2);
    const listed = capture();
    assert.equal(await list.run(['--user', user, '--store', url, '--json'], listed.io), 0);
    assert.deepEqual((JSON.parse(listed.out.join('\n')) as SessionInfo[]).map((s) => s.key).sort(), [...keys].sort());
    const pruned = capture();
    assert.equal(await prune.run(['--store', url], pruned.io), 0);
    assert.match(pruned.out[0] as string, /expires sessions itself/);
    const revoked = capture();
    assert.equal(await revoke.run(['--user', user, '--store', url], revoked.io), 0);
    assert.equal(revoked.out[0], `revoked 2 sessions of user ${user}`);
  });

  it('works against PostgreSQL and MySQL/MariaDB', async () => {
    for (const url of ['postgres://postgres@127.0.0.1:5432/test', 'mysql://root@127.0.0.1:3306/test']) {
      const user = `cli-${process.pid}-${Date.now()}`;
      const keys = await seed(url, user, 2);
      const listed = capture();
      assert.equal(await list.run(['--user', user, '--store', url, '--json'], listed.io), 0, listed.err.join('\n'));
      assert.deepEqual(
        (JSON.parse(listed.out.join('\n')) as SessionInfo[]).map((s) => s.key).sort(),
        [...keys].sort(),
        url,
      );
      const counted = capture();
      assert.equal(await stats.run(['--store', url, '--json'], counted.io), 0, counted.err.join('\n'));
      assert.ok(JSON.parse(counted.out[0] as string).activeSessions >= 2);
      assert.equal(await prune.run(['--store', url], capture().io), 0);
      const revoked = capture();
      assert.equal(await revoke.run(['--user', user, '--store', url], revoked.io), 0);
      assert.equal(revoked.out[0], `revoked 2 sessions of user ${user}`, url);
    }
  });

  it('explains bad usage and unreachable stores with exit codes 2 and 1', async () => {
    const missing = capture();
    assert.equal(await list.run([], missing.io), 2);
    assert.match(missing.err.join('\n'), /--user/);
    const both = capture();
    assert.equal(await revoke.run(['--user', 'a', '--key', 'b', '--store', 'memory:'], both.io), 2);
    const noStore = capture();
    assert.equal(await stats.run([], noStore.io), 2);
    assert.match(noStore.err[0] as string, /--store/);
    const unknown = capture();
    assert.equal(await stats.run(['--store', 'ftp://example.com/x'], unknown.io), 1);
    assert.match(unknown.err[0] as string, /unknown store URL scheme ftp/);
    const down = capture();
    assert.equal(await stats.run(['--store', 'postgres://nobody:secret@127.0.0.1:1/none'], down.io), 1);
    assert.doesNotMatch(down.err.join('\n'), /secret/, 'passwords never reach the output');
  });

  it('is wired into the sessionkit binary', () => {
    const db = sqliteUrl();
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'stats', '--store', db], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /active sessions: 0/);
  });
});
