/** A real MemoryStore that counts the calls made to it, to prove "one read, no write". */
import type { Change, SessionRecord, Store } from '../../src/core/store.js';
import { MemoryStore, type MemoryStoreOptions } from '../../src/stores/memory.js';

export type Operation = 'get' | 'create' | 'update' | 'touch' | 'destroy';

export class CountingStore implements Store {
  readonly inner: MemoryStore;
  readonly calls: Operation[] = [];
  readonly changes: Change[] = [];
  /** Set to make every call fail, as a store that is down would. */
  failing: Error | undefined;
  /** With `failing`: fail only this operation. */
  failingOnly: Operation | undefined;

  constructor(options?: MemoryStoreOptions) {
    this.inner = new MemoryStore(options);
  }

  reset(): void {
    this.calls.length = 0;
    this.changes.length = 0;
  }

  callCount(op: Operation): number {
    return this.calls.filter((c) => c === op).length;
  }

  #check(op: Operation): void {
    this.calls.push(op);
    if (this.failing && (this.failingOnly === undefined || this.failingOnly === op)) throw this.failing;
  }

  async get(key: string) {
    this.#check('get');
    return this.inner.get(key);
  }
  async create(key: string, record: SessionRecord) {
    this.#check('create');
    return this.inner.create(key, record);
  }
  async update(key: string, record: SessionRecord, change: Change) {
    this.#check('update');
    this.changes.push(change);
    return this.inner.update(key, record, change);
  }
  async touch(key: string, expiresAt: number, lastSeenAt: number) {
    this.#check('touch');
    return this.inner.touch(key, expiresAt, lastSeenAt);
  }
  async destroy(key: string) {
    this.#check('destroy');
    return this.inner.destroy(key);
  }
  listByUser(userId: string) {
    return this.inner.listByUser(userId);
  }
  destroyByUser(userId: string, exceptKey?: string) {
    return this.inner.destroyByUser(userId, exceptKey);
  }
}
