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
  it('node-redis leaves String.prototype in dictionary mode; creating the store makes it fast again', (t) => {
    const printed = runWithNatives(`
      import { createClient } from 'redis';
      import { RedisStore } from './src/stores/redis.ts';
      const before = %HasFastProperties(String.prototype);
      new RedisStore({ client: createClient({ url: 'redis://127.0.0.1:1' }) });
      console.log(JSON.stringify({ before, after: %HasFastProperties(String.prototype) }));
    `);
    const { before, after } = JSON.parse(printed) as { before: boolean; after: boolean };
    assert.equal(after, true, 'String.prototype is still in dictionary mode after the store was created');
    // When node-redis no longer extends String (or V8 no longer keeps the prototype slow),
    // string-methods.ts has nothing left to undo and can go.
    if (before) t.diagnostic('String.prototype was already fast after importing node-redis');
  });

  it('leaves String.prototype fast where it was fast (its own probe object would make it slow)', () => {
    const printed = runWithNatives(`
      import { restoreFastStringMethods } from './src/stores/redis/string-methods.ts';
      const before = %HasFastProperties(String.prototype);
      restoreFastStringMethods();
      console.log(JSON.stringify({ before, after: %HasFastProperties(String.prototype) }));
    `);
    assert.deepEqual(JSON.parse(printed), { before: true, after: true });
  });
});
