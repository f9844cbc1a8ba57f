/**
 * Where the Hono and Koa adapters keep a request's session: under a key (`c.get(key)`,
 * `ctx[key]`, default 'session'), so an app can run two managers side by side. A manager
 * mounted twice on one request (an app and a sub-app) loads and commits once; a second
 * manager on a key already taken is a mistake that would hide the first session.
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

/** One claimed key of a request: which manager holds it. */
interface Claim {
  key: string;
  manager: object;
  next: Claim | undefined;
}

/**
 * A request's claims, on the request itself under a symbol. Not a WeakMap: every request
 * would be a young key in it, and a WeakMap's young keys cost the collector extra work on
 * every collection (bench/NOTES.md, "Express"). The property is added at the same point of
 * every request, so requests keep sharing one hidden class.
 */
const CLAIMS = Symbol('sessionkit.claims');

/**
 * Claims `key` on `request` (Hono's Context, Koa's ctx) for `manager`. False when the same
 * manager already holds it (mounted twice: skip). Throws when another manager does.
 */
export function claimSlot(request: object, key: string, manager: object): boolean {
  const slots = request as { [CLAIMS]?: Claim };
  const first = slots[CLAIMS];
  for (let claim = first; claim !== undefined; claim = claim.next) {
    if (claim.key !== key) continue;
    if (claim.manager === manager) return false;
    throw new SessionError(
      'invalid-option',
      `sessionkit: two session managers are mounted under the key '${key}'; give the second its own key option`,
      { details: { option: 'key' } },
    );
  }
  slots[CLAIMS] = { key, manager, next: first };
  return true;
}
