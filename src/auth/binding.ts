/**
 * Optional binding of a signed-in session to the user agent and/or client IP it logged in
 * from. A mismatch is a signal (a stolen cookie replayed elsewhere), not proof: mobile
 * users change IP all the time, so 'flag' (record + event) is often the right policy and
 * 'reject' (end the session) the strict one. The IP is only as good as the adapter's
 * trustProxy setting: X-Forwarded-For is never believed unless proxies are configured.
 */
import type { ClientInfo } from '../core/store.js';
import { AuthError } from './errors.js';
import type { AuthMarks } from './marks.js';

export interface BindingOptions {
  /** Bind to the User-Agent header. Default false. */
  userAgent?: boolean;
  /** Bind to the client IP. Default false. */
  ip?: boolean;
  /** 'reject' ends the session on mismatch; 'flag' keeps it, marks it and emits an event. Default 'reject'. */
  policy?: 'reject' | 'flag';
}

export interface ResolvedBinding {
  userAgent: boolean;
  ip: boolean;
  policy: 'reject' | 'flag';
}

export type BindingResult = { ok: true; flagged?: string } | { ok: false; reason: 'user-agent' | 'ip' };

export function resolveBinding(options: BindingOptions | undefined): ResolvedBinding {
  const binding = {
    userAgent: options?.userAgent ?? false,
    ip: options?.ip ?? false,
    policy: options?.policy ?? 'reject',
  };
  if (binding.policy !== 'reject' && binding.policy !== 'flag') {
    throw new AuthError(
      'invalid-option',
      `createAuth: binding.policy must be 'reject' or 'flag' (got ${String(binding.policy)})`,
    );
  }
  if (typeof binding.userAgent !== 'boolean' || typeof binding.ip !== 'boolean') {
    throw new AuthError('invalid-option', 'createAuth: binding.userAgent and binding.ip must be booleans');
  }
  return binding;
}

/** What to record at login. */
export function bindingMarks(binding: ResolvedBinding, client: ClientInfo | undefined): Pick<AuthMarks, 'ua' | 'ip'> {
  const marks: Pick<AuthMarks, 'ua' | 'ip'> = {};
  if (binding.userAgent) marks.ua = (client?.userAgent ?? '').slice(0, 256);
  if (binding.ip) marks.ip = client?.ip ?? '';
  return marks;
}

/** Which bound property changed, if any. */
export function bindingMismatch(marks: AuthMarks, client: ClientInfo | undefined): 'user-agent' | 'ip' | undefined {
  if (marks.ua !== undefined && marks.ua !== (client?.userAgent ?? '').slice(0, 256)) return 'user-agent';
  if (marks.ip !== undefined && marks.ip !== (client?.ip ?? '')) return 'ip';
  return undefined;
}
