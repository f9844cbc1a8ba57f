/**
 * Background pruning in bounded batches: each batch deletes at most `batchSize` expired
 * rows in its own short statement, so no long lock is held, and several app instances
 * pruning at once just share the work.
 */
export interface PruneLimits {
  /** Rows deleted per statement. */
  batchSize: number;
  /** Statements per prune() call; the next call carries on. */
  maxBatches: number;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Runs `deleteBatch(limit)` until it deletes fewer than a full batch. Returns the total. */
export async function pruneInBatches(
  limits: PruneLimits,
  deleteBatch: (limit: number) => number | Promise<number>,
): Promise<number> {
  let total = 0;
  for (let i = 0; i < limits.maxBatches; i++) {
    const removed = await deleteBatch(limits.batchSize);
    total += removed;
    if (removed < limits.batchSize) break;
    // Let requests run between batches (matters for synchronous SQLite).
    await yieldToEventLoop();
  }
  return total;
}
