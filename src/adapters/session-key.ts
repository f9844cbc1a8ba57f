/**
 * The `key` option of the Hono and Koa adapters: the name the request's session is kept
 * under (`c.get(key)`, `ctx[key]`), so an app with two managers keeps both sessions.
 */
import { SessionError } from '../core/errors.js';

export function sessionKeyOption<K extends string>(key: K | undefined): K {
  if (key === undefined) return 'session' as K;
  if (typeof key !== 'string' || !/^[A-Za-z_$][\w$]*$/.test(key)) {
    throw new SessionError(
      'invalid-option',
      `sessionkit: option key must be an identifier such as 'adminSession' (got ${JSON.stringify(key)})`,
      { details: { option: 'key' } },
    );
  }
  return key;
}
