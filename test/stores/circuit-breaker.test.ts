/** The Redis store's circuit breaker and its one-timer deadlines, without a server. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CircuitBreaker } from '../../src/stores/redis/circuit-breaker.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('CircuitBreaker deadlines', () => {
  it('a settled call does not keep its answer alive while an older call is still pending', async () => {
    const breaker = new CircuitBreaker({ timeout: 60_000, threshold: 5, cooldown: 1000, name: 'test' });
    // The oldest call never answers, so the queue's head stays put behind it.
    let release: (value: string) => void = () => {};
    const pending = breaker.run('slow', () => new Promise<string>((resolve) => (release = resolve)));
    let answer: WeakRef<object> | undefined;
    await (async () => {
      const value = await breaker.run('fast', async () => ({ big: new Array(1000).fill('x') }));
      answer = new WeakRef(value);
    })();
    // Creating or reading a WeakRef keeps its target alive to the end of that task: collect
    // in a task of its own, and look in the next.
    const nextTask = () => new Promise((resolve) => setTimeout(resolve, 1));
    let kept = true;
    for (let i = 0; i < 3 && kept; i++) {
      await nextTask();
      gc();
      await nextTask();
      kept = answer?.deref() !== undefined;
    }
    assert.equal(kept, false, 'the settled call was let go');
    release('done');
    assert.equal(await pending, 'done');
  });
});
