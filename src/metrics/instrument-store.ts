/**
 * Wraps a store so every call's latency is observed. Optional capabilities stay optional
 * (the wrapper has listByUser only if the store has it), so the manager's detection still
 * works. Cookie stores are returned as they are: they do no I/O worth timing.
 */
import { clientSideCodecOf } from '../core/client-side.js';
import { isPromise, type MaybePromise } from '../core/maybe.js';
import type { Store } from '../core/store.js';

export type Observe = (operation: string, seconds: number, failed: boolean) => void;

const REQUIRED = ['get', 'create', 'update', 'touch', 'destroy'] as const;
const OPTIONAL = ['listByUser', 'destroyByUser', 'count', 'prune'] as const;

export function instrumentStore<S extends Store>(store: S, observe: Observe): Store {
  if (clientSideCodecOf(store)) return store;
  const wrapper: Record<string, unknown> = {};
  const timed = (operation: string) => {
    const method = (store as unknown as Record<string, (...args: unknown[]) => MaybePromise<unknown>>)[operation] as (
      ...args: unknown[]
    ) => MaybePromise<unknown>;
    return (...args: unknown[]) => {
      const started = performance.now();
      const done = (failed: boolean) => observe(operation, (performance.now() - started) / 1000, failed);
      let answer: MaybePromise<unknown>;
      try {
        answer = method.apply(store, args);
      } catch (error) {
        done(true);
        throw error;
      }
      // An answer that came at once is passed on at once, so the store stays as fast as it was.
      if (!isPromise(answer)) {
        done(false);
        return answer;
      }
      return Promise.resolve(answer).then(
        (value) => {
          done(false);
          return value;
        },
        (error: unknown) => {
          done(true);
          throw error;
        },
      );
    };
  };
  for (const operation of REQUIRED) wrapper[operation] = timed(operation);
  for (const operation of OPTIONAL) if (typeof store[operation] === 'function') wrapper[operation] = timed(operation);
  if (store.codec) wrapper.codec = store.codec;
  if (store.boundsLatency) wrapper.boundsLatency = true;
  if (store.maxSessionsPerUser) wrapper.maxSessionsPerUser = store.maxSessionsPerUser;
  if (typeof store.close === 'function') wrapper.close = () => store.close?.();
  return wrapper as unknown as Store;
}
