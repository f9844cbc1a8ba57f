/**
 * The JSON API beside the pages. Browsers use it with the session cookie (and the CSRF
 * token in an X-CSRF-Token header for unsafe methods); API clients log in with
 * `{"token": true}` and then send `Authorization: Bearer <token>`: the same server-side,
 * revocable session, no cookie and no CSRF token needed.
 */
import { authenticatedAt, csrfToken } from '../../src/auth/index.js';
import { type Context, type Router, sendJson } from './http.js';
import { currentUser, type Services, sessionCounts } from './services.js';
import { type User, validateProfile } from './users.js';

function publicUser(user: User) {
  return { id: user.id, username: user.username, name: user.name, email: user.email, roles: user.roles };
}

function apiSignedIn(services: Services, body: (ctx: Context, user: User) => unknown) {
  return (ctx: Context) => {
    const user = currentUser(services, ctx);
    if (!user) return sendJson(ctx.res, 401, { error: 'not-authenticated', message: 'Sign in first.' });
    return body(ctx, user);
  };
}

export function apiRoutes(router: Router, services: Services): void {
  const { auth, users, manager } = services;

  router.post('/api/v1/login', async (ctx) => {
    const { username, password, rememberMe, token } = ctx.body;
    const user = await users.authenticate(username, password);
    if (!user) return sendJson(ctx.res, 401, { error: 'invalid-credentials', message: 'Wrong username or password.' });
    await auth.login(ctx.session, user, { rememberMe: rememberMe === true, client: ctx.client });
    ctx.session.set('roles', user.roles);
    if (token === true) {
      // Commit now so the token can go in the body; the commit at response time then has nothing left to do.
      const issued = await manager.issueToken(ctx.session);
      return sendJson(ctx.res, 200, {
        user: publicUser(user),
        token: issued,
        tokenType: 'Bearer',
        expiresAt: ctx.session.expiresAt,
      });
    }
    sendJson(ctx.res, 200, { user: publicUser(user), csrfToken: csrfToken(ctx.session) });
  });

  router.post('/api/v1/logout', (ctx) => {
    auth.logout(ctx.session);
    sendJson(ctx.res, 200, { ok: true });
  });

  router.get(
    '/api/v1/profile',
    apiSignedIn(services, (ctx, user) => {
      const extra = ctx.session.transport === 'cookie' ? { csrfToken: csrfToken(ctx.session) } : {};
      sendJson(ctx.res, 200, { user: publicUser(user), authenticatedAt: authenticatedAt(ctx.session), ...extra });
    }),
  );

  const updateProfile = apiSignedIn(services, (ctx, user) => {
    const result = validateProfile(ctx.body);
    if (!result.ok) return sendJson(ctx.res, 422, { error: 'invalid-input', errors: result.errors });
    sendJson(ctx.res, 200, { user: publicUser(users.update(user.id, result) as User) });
  });
  router.post('/api/v1/profile', updateProfile);
  router.on('PUT', '/api/v1/profile', updateProfile);

  router.get(
    '/api/v1/admin/users',
    apiSignedIn(services, async (ctx) => {
      if (!ctx.session.get('roles')?.includes('admin')) {
        return sendJson(ctx.res, 403, { error: 'forbidden', message: 'Administrators only.' });
      }
      const counts = await sessionCounts(services);
      sendJson(ctx.res, 200, {
        users: users.list().map((u) => ({ ...publicUser(u), activeSessions: counts.get(u.id) ?? 0 })),
      });
    }),
  );
}
