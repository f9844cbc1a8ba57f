/**
 * A circuit breaker in front of a remote store. After `threshold` failures in a row it
 * opens: calls fail at once with 'store-unavailable' instead of piling onto a dead server.
 * Every `cooldown` ms one call is let through as a probe; its success closes the circuit,
 * its failure keeps it open for another cooldown. Every call is also bounded by `timeout`.
 */
import { SessionError, toStoreError } from '../../core/errors.js';

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
   * the server did answer. `operation` and `map` get `arg`: on a hot path they can then be
   * functions made once, not closures made per call.
   */
  run<T, R = T, A = undefined>(
    name: string,
    operation: (arg: A) => Promise<T>,
    ready = true,
    map?: (answer: T, arg: A) => R,
    arg?: A,
  ): Promise<R> {
    if (this.#failures >= this.#options.threshold) return this.#probe(name, operation, ready, map, arg as A);
    if (!ready) return Promise.reject(this.failed(notConnected(this.#options.name, name), name));
    let promise: Promise<T>;
    try {
      promise = operation(arg as A);
    } catch (error) {
      return Promise.reject(this.failed(error, name));
    }
    return this.#deadlines.bound(promise, name, this, map as AnswerMap | undefined, arg) as Promise<R>;
  }

  /** The circuit is open: fail at once, or let this one call through as the probe. */
  async #probe<T, R, A>(
    name: string,
    operation: (arg: A) => Promise<T>,
    ready: boolean,
    map: ((answer: T, arg: A) => R) | undefined,
    arg: A,
  ): Promise<R> {
    if (this.#probing || this.#now() < this.#openUntil) throw this.#openError(name);
    this.#probing = true;
    let answer: T;
    try {
      if (!ready) throw notConnected(this.#options.name, name);
      answer = (await this.#deadlines.bound(operation(arg), name, UNCOUNTED, undefined, undefined)) as T;
      this.#failures = 0;
    } catch (error) {
      throw this.failed(error, name);
    } finally {
      this.#probing = false;
    }
    return map ? map(answer, arg) : (answer as unknown as R);
  }

  /** @internal A call answered. */
  succeeded(): void {
    this.#failures = 0;
  }

  /** @internal A call failed or timed out: counts it, and answers the error to reject it with. */
  failed(error: unknown, name: string): SessionError {
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

/** What a call's deadline needs of its breaker: the outcome, counted. */
interface Outcome {
  succeeded(): void;
  failed(error: unknown, name: string): SessionError;
}

/** A call's `map`, with the `arg` it was given. */
type AnswerMap = (value: unknown, arg: unknown) => unknown;

/**
 * One call in flight. It holds all the call needs, so the two callbacks its answer's
 * `then` takes hold nothing else, and the caller's promise is its only other cost.
 */
class Pending {
  done = false;
  constructor(
    readonly at: number,
    readonly name: string,
    public resolve: ((value: unknown) => void) | undefined,
    public reject: ((error: unknown) => void) | undefined,
    readonly outcome: Outcome,
    readonly map: AnswerMap | undefined,
    readonly arg: unknown,
    readonly deadlines: Deadlines | undefined,
  ) {}
}

/** An outcome that counts nothing and passes errors on as they are (the probe counts its own). */
const UNCOUNTED: Outcome = { succeeded() {}, failed: (error) => error as SessionError };

/** What a queue slot holds once the head has moved past it. */
const PASSED = new Pending(0, '', undefined, undefined, UNCOUNTED, undefined, undefined, undefined);
PASSED.done = true;

function answered(entry: Pending, value: unknown): void {
  if (entry.done) return;
  const { resolve, reject, map } = entry;
  entry.deadlines!.settle(entry);
  entry.outcome.succeeded();
  let result = value;
  if (map !== undefined) {
    try {
      result = map(value, entry.arg);
    } catch (error) {
      reject!(error);
      return;
    }
  }
  resolve!(result);
}

function refused(entry: Pending, error: unknown): void {
  if (entry.done) return;
  const reject = entry.reject!;
  entry.deadlines!.settle(entry);
  reject(entry.outcome.failed(error, entry.name));
}

/**
 * Bounds many concurrent calls with one timer. Every call gets the same timeout, so
 * deadlines come in the order calls start: a FIFO whose head is the next to expire. This
 * costs far less per call than a setTimeout/clearTimeout pair on a busy server. The timer,
 * unref'd, stays armed while calls come and goes off once a timeout passes with none
 * pending, instead of being cleared and set again each time the queue empties.
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
   * Settles with the answer, passed through `map` with `arg` when given (what `map` throws
   * rejects as it is), or rejects with `outcome.failed(error)`; a call still pending at its
   * deadline rejects with `outcome.failed('store-timeout' error)`. One promise per call.
   */
  bound(
    promise: Promise<unknown>,
    name: string,
    outcome: Outcome,
    map: AnswerMap | undefined,
    arg: unknown,
  ): Promise<unknown> {
    let entry!: Pending;
    const bounded = new Promise((resolve, reject) => {
      entry = new Pending(performance.now() + this.timeout, name, resolve, reject, outcome, map, arg, this);
    });
    this.#queue.push(entry);
    if (this.#timer === undefined) this.#arm(this.timeout);
    promise.then(
      (value) => answered(entry, value),
      (error: unknown) => refused(entry, error),
    );
    return bounded;
  }

  /** @internal The call answered or failed: it leaves the queue. */
  settle(entry: Pending): void {
    entry.done = true;
    // Let go of the caller's promise at once: a settled entry may wait in the queue behind
    // a slower call, and whatever it holds would outlive a young-generation collection.
    entry.resolve = entry.reject = undefined;
    this.#compact();
  }

  /** Drops settled calls from the front. */
  #compact(): void {
    const queue = this.#queue;
    // Passed slots are emptied as the head moves, so the array keeps nothing alive until
    // its next splice.
    while (this.#head < queue.length && (queue[this.#head] as Pending).done) queue[this.#head++] = PASSED;
    if (this.#head === queue.length) {
      queue.length = 0;
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > queue.length) {
      queue.splice(0, this.#head);
      this.#head = 0;
    }
  }

  #arm(ms: number): void {
    this.#timer = setTimeout(this.#expire, Math.max(1, ms));
    this.#timer.unref?.();
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
        entry.reject?.(
          entry.outcome.failed(
            new SessionError('store-timeout', `${this.store}: no answer to ${entry.name} within ${this.timeout} ms`, {
              details: { operation: entry.name, timeoutMs: this.timeout },
            }),
            entry.name,
          ),
        );
        entry.resolve = entry.reject = undefined;
      }
      queue[this.#head++] = PASSED;
    }
    this.#compact();
    // Pending calls: wake at the oldest one's deadline. None: stop.
    if (this.#head < queue.length) this.#arm((queue[this.#head] as Pending).at - now);
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
