/**
 * Per-key write coalescing. The first write to a key goes at once. Writes to the same key
 * that arrive while it is in flight wait, merged into one, and go as one write when it lands;
 * that write answers all of them.
 *
 * A database that locks the row runs same-row writes one after another anyway: each would hold
 * a pooled connection while it waits for the lock, then wait for its own log flush. Merged,
 * one busy session holds at most one connection per process and pays one flush per round,
 * and the other sessions keep the rest of the pool.
 */
interface Queued<W, R> {
  write: W;
  readonly callers: Array<{ resolve: (result: R) => void; reject: (error: unknown) => void }>;
}

export class Coalescer<W, R> {
  /** A key is present while a write to it is in flight; its value is the write waiting next. */
  readonly #flights = new Map<string, Queued<W, R> | undefined>();
  readonly #run: (key: string, write: W) => Promise<R>;

  constructor(run: (key: string, write: W) => Promise<R>) {
    this.#run = run;
  }

  /**
   * Runs `add(undefined)` now, or merges into the write waiting for `key`: `add` gets that
   * write (undefined when none waits yet) and returns it with this caller's part added.
   * An `add` that throws must leave the waiting write as it was; the throw reaches this caller only.
   */
  submit(key: string, add: (waiting: W | undefined) => W): Promise<R> {
    if (!this.#flights.has(key)) {
      const write = add(undefined);
      this.#flights.set(key, undefined);
      return this.#fly(key, write);
    }
    let queued = this.#flights.get(key);
    if (queued) queued.write = add(queued.write);
    else {
      queued = { write: add(undefined), callers: [] };
      this.#flights.set(key, queued);
    }
    const { callers } = queued;
    return new Promise<R>((resolve, reject) => callers.push({ resolve, reject }));
  }

  #fly(key: string, write: W): Promise<R> {
    let flight: Promise<R>;
    try {
      flight = this.#run(key, write);
    } catch (error) {
      flight = Promise.reject(error);
    }
    const land = () => this.#land(key);
    flight.then(land, land);
    return flight;
  }

  #land(key: string): void {
    const next = this.#flights.get(key);
    if (next === undefined) {
      this.#flights.delete(key);
      return;
    }
    this.#flights.set(key, undefined);
    this.#fly(key, next.write).then(
      (result) => {
        for (const caller of next.callers) caller.resolve(result);
      },
      (error: unknown) => {
        for (const caller of next.callers) caller.reject(error);
      },
    );
  }
}
