/**
 * Wraps a store so every call's latency is observed. Optional capabilities stay optional
 * (the wrapper has listByUser only if the store has it), so the manager's detection still
 * works. Cookie stores are returned as they are: they do no I/O worth timing.
 */
import { clientSideCodecOf } from '../core/client-side.js';
import type { Store } from '../core/store.js';

export type Observe = (operation: string, seconds: number, failed: boolean) => void;

const REQUIRED = ['get', 'create', 'update', 'touch', 'destroy'] as const;
const OPTIONAL = ['listByUser', 'destroyByUser', 'count', 'prune'] as const;

export function instrumentStore<S extends Store>(store: S, observe: Observe): Store {
  if (clientSideCodecOf(store)) return store;
  const wrapper: Record<string, unknown> = {};
  const timed = (operation: string) => {
    const method = (store as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[operation] as (
      ...args: unknown[]
    ) => Promise<unknown>;
    return (...args: unknown[]) => {
      const started = performance.now();
      let promise: Promise<unknown>;
      try {
        promise = method.apply(store, args);
      } catch (error) {
        observe(operation, (performance.now() - started) / 1000, true);
        throw error;
      }
      return promise.then(
        (value) => {
          observe(operation, (performance.now() - started) / 1000, false);
          return value;
        },
        (error: unknown) => {
          observe(operation, (performance.now() - started) / 1000, true);
          throw error;
        },
      );
    };
  };
  for (const operation of REQUIRED) wrapper[operation] = timed(operation);
  for (const operation of OPTIONAL) if (typeof store[operation] === 'function') wrapper[operation] = timed(operation);
  if (store.codec) wrapper.codec = store.codec;
  if (typeof store.close === 'function') wrapper.close = () => store.close?.();
  return wrapper as unknown as Store;
}
