/** What the route handlers share. */
import type { Auth } from '../../src/auth/index.js';
import type { SessionManager } from '../../src/core/manager.js';
import type { SessionMetrics } from '../../src/metrics/index.js';
import type { DemoConfig } from './config.js';
import type { Context, DemoData } from './http.js';
import type { User, UserDirectory } from './users.js';

export interface Services {
  config: DemoConfig;
  manager: SessionManager<DemoData>;
  auth: Auth;
  users: UserDirectory;
  metrics: SessionMetrics;
}

/** The signed-in user of this request, if any. */
export function currentUser(services: Services, ctx: Context): User | undefined {
  if (!services.auth.isSignedIn(ctx.session)) return undefined;
  return services.users.byId(ctx.session.userId);
}

/** Counts each user's live sessions (admin page, API). */
export async function sessionCounts(services: Services): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const user of services.users.list()) counts.set(user.id, (await services.manager.listByUser(user.id)).length);
  return counts;
}
