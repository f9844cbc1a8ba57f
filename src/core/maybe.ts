/**
 * Values that may come at once or later. In-process stores and node:crypto answer at
 * once; passing their answers on without wrapping them in a promise spares each request
 * the microtasks a promise costs.
 */
export type MaybePromise<T> = T | Promise<T>;

/** Whether a MaybePromise is still to come. Any thenable counts, so wrap it in Promise.resolve() before using more than then(). */
export function isPromise<T>(value: MaybePromise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

/** Passes a value on unchanged: the no-op step where a MaybePromise chain wants a function. */
export const same = <T>(value: T): T => value;
