/**
 * Approximate least-recently-used order for a Map (whose insertion order is its eviction
 * order). An entry used again while it is still among the newest quarter of `max` moves
 * is left where it is, so a busy entry costs no delete-and-reinsert on every use; eviction
 * is then least-recently-used within a quarter of `max`.
 */
export interface Recent {
  /** The counter's value when the entry last moved to the back. */
  moved: number;
}

export class Recency {
  #uses = 0;

  constructor(readonly max: number) {}

  /** The stamp for an entry being inserted now (at the back). */
  stamp(): number {
    return ++this.#uses;
  }

  /** Records a use of `entry` under `key`, moving it to the back of `map` when it has drifted far enough. */
  use<K, E extends Recent>(map: Map<K, E>, key: K, entry: E): void {
    if (this.#uses - entry.moved <= this.max >> 2) return;
    map.delete(key);
    map.set(key, entry);
    entry.moved = ++this.#uses;
  }
}
