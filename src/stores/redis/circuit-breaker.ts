/**
 * A circuit breaker in front of a remote store. After `threshold` failures in a row it
 * opens: calls fail at once with 'store-unavailable' instead of piling onto a dead server.
 * Every `cooldown` ms one call is let through as a probe; its success closes the circuit,
 * its failure keeps it open for another cooldown. Every call is also bounded by `timeout`.
 */
import { SessionError, toStoreError } from '../../core/errors.js';
import { same } from '../../core/maybe.js';

export interface CircuitBreakerOptions {
  /** Longest wait for one operation, ms ('store-timeout' after it). */
  timeout: number;
  /** Consecutive failures that open the circuit. */
  threshold: number;
  /** How long the circuit stays open before a probe, ms. */
  cooldown: number;
  /** Name used in error messages. */
  name: string;
  now?: () => number;
}

export type CircuitState = 'closed' | 'open' | 'half-open';

export class CircuitBreaker {
  #failures = 0;
  #openUntil = 0;
  #probing = false;
  readonly #options: CircuitBreakerOptions;
  readonly #now: () => number;
  readonly #deadlines: Deadlines;

  constructor(options: CircuitBreakerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#deadlines = new Deadlines(options.timeout, options.name);
  }

  get state(): CircuitState {
    if (this.#failures < this.#options.threshold) return 'closed';
    return this.#probing || this.#now() >= this.#openUntil ? 'half-open' : 'open';
  }

  /**
   * Runs `operation` unless the circuit is open. `ready` says whether the client believes it
   * is connected; when it does not, the call fails at once (no queueing inside the client).
   * `map` turns the answer into the caller's result in the same promise step (no second
   * `.then` or `await`). What it throws rejects the call without counting as a failure:
   * the server did answer.
   */
  run<T, R = T>(name: string, operation: () => Promise<T>, ready = true, map?: (answer: T) => R): Promise<R> {
    if (this.#failures >= this.#options.threshold) return this.#probe(name, operation, ready, map);
    if (!ready) return Promise.reject(this.#failed(notConnected(this.#options.name, name), name));
    let promise: Promise<T>;
    try {
      promise = operation();
    } catch (error) {
      return Promise.reject(this.#failed(error, name));
    }
    return this.#deadlines.bound(
      promise,
      name,
      this.#succeeded,
      (error) => this.#failed(error, name),
      map,
    ) as Promise<R>;
  }

  /** The circuit is open: fail at once, or let this one call through as the probe. */
  async #probe<T, R>(
    name: string,
    operation: () => Promise<T>,
    ready: boolean,
    map: ((answer: T) => R) | undefined,
  ): Promise<R> {
    if (this.#probing || this.#now() < this.#openUntil) throw this.#openError(name);
    this.#probing = true;
    let answer: T;
    try {
      if (!ready) throw notConnected(this.#options.name, name);
      answer = this.#succeeded(await this.#deadlines.bound(operation(), name, same, same));
    } catch (error) {
      throw this.#failed(error, name);
    } finally {
      this.#probing = false;
    }
    return map ? map(answer) : (answer as unknown as R);
  }

  readonly #succeeded = <T>(value: T): T => {
    this.#failures = 0;
    return value;
  };

  #failed(error: unknown, name: string): SessionError {
    const wrapped = toStoreError(error, name);
    this.#failures++;
    if (this.#failures >= this.#options.threshold) this.#openUntil = this.#now() + this.#options.cooldown;
    return wrapped;
  }

  #openError(operation: string): SessionError {
    return new SessionError(
      'store-unavailable',
      `${this.#options.name}: circuit open after ${this.#failures} failures; next probe in ${Math.max(0, this.#openUntil - this.#now())} ms`,
      { details: { operation, circuit: 'open' } },
    );
  }
}

function notConnected(store: string, operation: string): SessionError {
  return new SessionError('store-unavailable', `${store}: not connected (during ${operation})`, {
    details: { operation },
  });
}

interface Pending {
  at: number;
  name: string;
  reject: (error: SessionError) => void;
  done: boolean;
}

const NO_REJECT = (): void => {};
/** What a queue slot holds once the head has moved past it. */
const PASSED: Pending = { at: 0, name: '', reject: NO_REJECT, done: true };

/**
 * Bounds many concurrent calls with one timer. Every call gets the same timeout, so
 * deadlines come in the order calls start: a FIFO whose head is the next to expire. This
 * costs far less per call than a setTimeout/clearTimeout pair on a busy server.
 */
class Deadlines {
  readonly #queue: Pending[] = [];
  #head = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly timeout: number,
    readonly store: string,
  ) {}

  /**
   * Settles with `succeeded(value)`, passed through `map` when given (what `map` throws
   * rejects as it is), or rejects with `failed(error)`; a call still pending at its deadline
   * rejects with `failed('store-timeout' error)`. One promise per call.
   */
  bound<T, R = T>(
    promise: Promise<T>,
    name: string,
    succeeded: (value: T) => T,
    failed: (error: unknown) => unknown,
    map?: (value: T) => R,
  ): Promise<T | R> {
    return new Promise<T | R>((resolve, reject) => {
      const entry: Pending = {
        at: performance.now() + this.timeout,
        name,
        reject: (error) => reject(failed(error)),
        done: false,
      };
      this.#queue.push(entry);
      if (this.#timer === undefined) this.#arm(this.timeout);
      promise.then(
        (value) => {
          if (entry.done) return;
          this.#settle(entry);
          const answer = succeeded(value);
          if (map === undefined) return resolve(answer);
          try {
            resolve(map(answer));
          } catch (error) {
            reject(error);
          }
        },
        (error: unknown) => {
          if (entry.done) return;
          this.#settle(entry);
          reject(failed(error));
        },
      );
    });
  }

  #settle(entry: Pending): void {
    entry.done = true;
    // Let go of the call's promise at once: a settled entry may wait in the queue behind a
    // slower call, and whatever it holds would outlive a young-generation collection.
    entry.reject = NO_REJECT;
    this.#compact();
  }

  /** Drops settled calls from the front; stops the timer when nothing is pending. */
  #compact(): void {
    const queue = this.#queue;
    // Passed slots are emptied as the head moves, so the array keeps nothing alive until
    // its next splice.
    while (this.#head < queue.length && (queue[this.#head] as Pending).done) queue[this.#head++] = PASSED;
    if (this.#head === queue.length) {
      queue.length = 0;
      this.#head = 0;
      if (this.#timer !== undefined) {
        clearTimeout(this.#timer);
        this.#timer = undefined;
      }
    } else if (this.#head > 1024 && this.#head * 2 > queue.length) {
      queue.splice(0, this.#head);
      this.#head = 0;
    }
  }

  #arm(ms: number): void {
    this.#timer = setTimeout(this.#expire, Math.max(1, ms));
  }

  readonly #expire = (): void => {
    this.#timer = undefined;
    const now = performance.now();
    const queue = this.#queue;
    while (this.#head < queue.length) {
      const entry = queue[this.#head] as Pending;
      if (!entry.done) {
        if (entry.at > now) break;
        entry.done = true;
        entry.reject(
          new SessionError('store-timeout', `${this.store}: no answer to ${entry.name} within ${this.timeout} ms`, {
            details: { operation: entry.name, timeoutMs: this.timeout },
          }),
        );
        entry.reject = NO_REJECT;
      }
      queue[this.#head++] = PASSED;
    }
    this.#compact();
    if (this.#head < queue.length && this.#timer === undefined) {
      this.#arm((queue[this.#head] as Pending).at - now);
    }
  };
}

export function validateBreakerOptions(
  store: string,
  options: { timeout?: number; breakerThreshold?: number; breakerCooldown?: number },
): { timeout: number; threshold: number; cooldown: number } {
  const timeout = options.timeout ?? 2000;
  const threshold = options.breakerThreshold ?? 5;
  const cooldown = options.breakerCooldown ?? 1000;
  const bad = (option: string, value: unknown, what: string): never => {
    throw new SessionError('invalid-option', `${store}: ${option} must be ${what} (got ${String(value)})`, {
      details: { option },
    });
  };
  if (!(typeof timeout === 'number' && timeout > 0)) bad('timeout', timeout, 'a positive number of milliseconds');
  if (!(Number.isInteger(threshold) && threshold >= 1)) bad('breakerThreshold', threshold, 'a positive integer');
  if (!(typeof cooldown === 'number' && cooldown > 0))
    bad('breakerCooldown', cooldown, 'a positive number of milliseconds');
  return { timeout, threshold, cooldown };
}
