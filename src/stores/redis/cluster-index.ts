/**
 * The per-user index on Redis Cluster. A user's index and their sessions live in different
 * slots, so no single script can touch both: each step here is atomic on its own key, and the
 * whole is not (documented in docs/redis.md). Stale members (a session that expired, moved to
 * another user or was destroyed in between) are dropped whenever the index is read.
 */
import type { RedisDriver } from './driver.js';
import { indexAddScript, indexMembersScript } from './scripts.js';

export class ClusterIndex {
  constructor(
    readonly driver: RedisDriver,
    readonly prefix: string,
    readonly cap: number,
  ) {}

  userKey(userId: string): string {
    return `${this.prefix}u:${userId}`;
  }

  sessionKey(member: string): string {
    return `${this.prefix}s:${member}`;
  }

  async add(userId: string, member: string, deadline: number): Promise<void> {
    const ukey = this.userKey(userId);
    const members = (await indexAddScript.run(
      this.driver,
      [ukey],
      [member, String(deadline), String(Date.now()), String(this.cap)],
    )) as string[];
    if (members.length === 0) return;
    // Over the cap: drop members that are no longer this user's, then evict the oldest live ones.
    const owners = await Promise.all(members.map((m) => this.#owner(m)));
    const live: string[] = [];
    const stale: string[] = [];
    members.forEach((m, i) => {
      (m === member || owners[i] === userId ? live : stale).push(m);
    });
    const evict = live.filter((m) => m !== member).slice(0, Math.max(0, live.length - this.cap));
    await Promise.all(evict.map((m) => this.driver.send(this.sessionKey(m), ['DEL', this.sessionKey(m)])));
    const drop = [...stale, ...evict];
    if (drop.length > 0) await this.driver.send(ukey, ['ZREM', ukey, ...drop]);
  }

  async remove(userId: string, member: string): Promise<void> {
    const ukey = this.userKey(userId);
    await this.driver.send(ukey, ['ZREM', ukey, member]);
  }

  /** Flat rows [member, c, t, a, i] of the user's live sessions (the fields' raw values). */
  async list(userId: string): Promise<string[]> {
    const ukey = this.userKey(userId);
    const members = (await indexMembersScript.run(this.driver, [ukey], [String(Date.now())])) as string[];
    const values = await Promise.all(
      members.map((m) => this.driver.send(this.sessionKey(m), ['HMGET', this.sessionKey(m), 'u', 'c', 't', 'a', 'i'])),
    );
    const rows: string[] = [];
    const stale: string[] = [];
    members.forEach((m, i) => {
      const v = (values[i] as Array<string | null>) ?? [];
      if (v[0] === userId) rows.push(m, ...v.slice(1, 5).map((x) => x ?? ''));
      else stale.push(m);
    });
    if (stale.length > 0) await this.driver.send(ukey, ['ZREM', ukey, ...stale]);
    return rows;
  }

  async destroyAll(userId: string, exceptMember?: string): Promise<number> {
    const ukey = this.userKey(userId);
    const members = ((await this.driver.send(ukey, ['ZRANGE', ukey, '0', '-1'])) as string[]).filter(
      (m) => m !== exceptMember,
    );
    const owners = await Promise.all(members.map((m) => this.#owner(m)));
    const counts = await Promise.all(
      members.map((m, i) =>
        owners[i] === userId ? this.driver.send(this.sessionKey(m), ['DEL', this.sessionKey(m)]) : Promise.resolve(0),
      ),
    );
    if (members.length > 0) await this.driver.send(ukey, ['ZREM', ukey, ...members]);
    return counts.reduce<number>((sum, n) => sum + Number(n), 0);
  }

  async #owner(member: string): Promise<string | undefined> {
    const reply = await this.driver.send(this.sessionKey(member), ['HGET', this.sessionKey(member), 'u']);
    return reply == null ? undefined : String(reply);
  }
}
