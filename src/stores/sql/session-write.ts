/**
 * One or more writes to a session, merged in the order they were made: what a SQL store
 * sends as one UPDATE when writes to the same session coalesce (see coalesce.ts). Applying
 * the merged write equals applying its parts one after another, as the row lock would have.
 */
import type { Change, SessionRecord } from '../../core/store.js';
import { Coalescer } from './coalesce.js';
import { flashText } from './row.js';

/**
 * A SQL store's update and touch: each joins the write waiting for its session, or starts
 * one, and `run` sends a merged write as one UPDATE (see coalesce.ts).
 */
export class SessionWrites {
  readonly #coalescer: Coalescer<SessionWrite, boolean>;
  readonly #encode: (value: unknown) => string;

  constructor(encode: (value: unknown) => string, run: (key: string, write: SessionWrite) => Promise<boolean>) {
    this.#encode = encode;
    this.#coalescer = new Coalescer(run);
  }

  update(key: string, record: SessionRecord, change: Change): Promise<boolean> {
    return this.#coalescer.submit(key, (waiting) => (waiting ?? new SessionWrite(this.#encode)).update(record, change));
  }

  touch(key: string, expiresAt: number, lastSeenAt: number): Promise<boolean> {
    return this.#coalescer.submit(key, (waiting) =>
      (waiting ?? new SessionWrite(this.#encode)).touch(expiresAt, lastSeenAt),
    );
  }
}

export class SessionWrite {
  /** The stored data is replaced by exactly `set` (a clear() was among the parts). */
  cleared = false;
  /** Key → its new value as JSON text (with `cleared`: every key the data keeps). */
  readonly set = new Map<string, string>();
  readonly deleted = new Set<string>();
  /** The flash column's new text; undefined: unchanged. */
  flash: string | null | undefined;
  /** The newest record among the updates (user id, persistence, client); undefined: only touches. */
  record: SessionRecord | undefined;
  expiresAt = 0;
  lastSeenAt = 0;
  /** JSON text of one value as the database stores it. */
  readonly #encode: (value: unknown) => string;

  constructor(encode: (value: unknown) => string) {
    this.#encode = encode;
  }

  /** Adds an update. Values are encoded first, so a throw leaves this write as it was. */
  update(record: SessionRecord, change: Change): this {
    const encoded: Array<[string, string]> = [];
    const source: Iterable<[string, unknown]> = change.cleared ? Object.entries(record.data) : change.set;
    for (const [key, value] of source) encoded.push([key, this.#encode(value)]);
    const flash = change.flash ? flashText(record) : this.flash;
    if (change.cleared) {
      this.cleared = true;
      this.set.clear();
      this.deleted.clear();
    } else {
      for (const key of change.deleted) {
        this.set.delete(key);
        if (!this.cleared) this.deleted.add(key);
      }
    }
    for (const [key, text] of encoded) {
      this.set.set(key, text);
      this.deleted.delete(key);
    }
    this.flash = flash;
    this.record = record;
    this.expiresAt = record.expiresAt;
    this.lastSeenAt = record.lastSeenAt;
    return this;
  }

  /** Adds a touch: only the expiry and last-seen times change. */
  touch(expiresAt: number, lastSeenAt: number): this {
    this.expiresAt = expiresAt;
    this.lastSeenAt = lastSeenAt;
    return this;
  }

  /** The set keys as one JSON object text; `escapeKey` maps a key to how the database stores it. */
  setText(escapeKey: (key: string) => string = (key) => key): string {
    let text = '';
    for (const [key, value] of this.set) text += `${text ? ',' : '{'}${JSON.stringify(escapeKey(key))}:${value}`;
    return text ? `${text}}` : '{}';
  }
}
