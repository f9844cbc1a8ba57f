import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';

/**
 * Runs a module in a child node with V8's natives syntax (the only way to see whether an
 * object is in dictionary mode) and answers what it printed.
 */
function runWithNatives(source: string): string {
  return execFileSync(
    process.execPath,
    ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '--eval', source],
    { cwd: new URL('../..', import.meta.url).pathname, encoding: 'utf8' },
  ).trim();
}

describe('RedisStore over node-redis keeps string methods fast (string-methods.ts)', () => {
  it('node-redis leaves String.prototype in dictionary mode; creating the store makes it fast again', () => {
    const printed = runWithNatives(`
      import { createClient } from 'redis';
      import { RedisStore } from './src/stores/redis.ts';
      const before = %HasFastProperties(String.prototype);
      new RedisStore({ client: createClient({ url: 'redis://127.0.0.1:1' }) });
      console.log(JSON.stringify({ before, after: %HasFastProperties(String.prototype) }));
    `);
    // If node-redis stops extending String, the first half no longer holds and the fix can go.
    assert.deepEqual(JSON.parse(printed), { before: false, after: true });
  });
});
