/** The HTML side of the demo: login, home, profile, devices, admin, logout. */
import { authenticatedAt, csrfField } from '../../src/auth/index.js';
import { type Flash, layout } from './html.js';
import { type Context, type Router, redirect, safeNext, sendHtml } from './http.js';
import { adminPage, devicesPage, errorPage, homePage, loginPage, profilePage } from './pages.js';
import { currentUser, type Services, sessionCounts } from './services.js';
import type { User } from './users.js';
import { validateProfile } from './users.js';

const FLASH = 'messages';

function flash(ctx: Context, kind: Flash['kind'], text: string): void {
  ctx.session.flash(FLASH, { kind, text } satisfies Flash);
}

function page(ctx: Context, status: number, title: string, body: string, user?: User): void {
  const flashes = ctx.session.flashes<Flash>(FLASH);
  sendHtml(
    ctx.res,
    status,
    layout(body, { title, user, flashes, csrfField: user ? csrfField(ctx.session) : undefined }),
  );
}

/** Runs `body` with the signed-in user, or sends the browser to the login page. */
function signedIn(services: Services, body: (ctx: Context, user: User) => unknown) {
  return (ctx: Context) => {
    const user = currentUser(services, ctx);
    if (!user) return redirect(ctx.res, `/login?next=${encodeURIComponent(ctx.url.pathname)}`);
    return body(ctx, user);
  };
}

export function webRoutes(router: Router, services: Services): void {
  const { auth, users } = services;

  router.get(
    '/',
    signedIn(services, (ctx, user) =>
      page(ctx, 200, 'Home', homePage(user, authenticatedAt(ctx.session), ctx.session.persistent), user),
    ),
  );

  router.get('/login', (ctx) => {
    if (currentUser(services, ctx)) return redirect(ctx.res, '/');
    page(ctx, 200, 'Sign in', loginPage(csrfField(ctx.session), safeNext(ctx.url.searchParams.get('next'))));
  });

  router.post('/login', async (ctx) => {
    const { username, password, remember, next } = ctx.body;
    const user = await users.authenticate(username, password);
    if (!user) {
      flash(ctx, 'error', 'Wrong username or password.');
      return redirect(ctx.res, `/login?next=${encodeURIComponent(safeNext(next))}`);
    }
    await auth.login(ctx.session, user, { rememberMe: remember === '1' || remember === 'on', client: ctx.client });
    ctx.session.set('roles', user.roles);
    flash(ctx, 'success', `Welcome back, ${user.name}.`);
    redirect(ctx.res, safeNext(next));
  });

  router.post('/logout', (ctx) => {
    auth.logout(ctx.session);
    flash(ctx, 'info', 'You are signed out.');
    redirect(ctx.res, '/login');
  });

  router.get(
    '/profile',
    signedIn(services, (ctx, user) => page(ctx, 200, 'Profile', profilePage(user, csrfField(ctx.session)), user)),
  );

  router.post(
    '/profile',
    signedIn(services, (ctx, user) => {
      const result = validateProfile(ctx.body);
      if (!result.ok) for (const error of result.errors) flash(ctx, 'error', error);
      else {
        users.update(user.id, result);
        flash(ctx, 'success', 'Profile saved.');
      }
      redirect(ctx.res, '/profile');
    }),
  );

  router.get(
    '/devices',
    signedIn(services, async (ctx, user) => {
      const sessions = await auth.listSessions(user.id, ctx.session);
      const flagged = (ctx.session.get('_auth') as { flagged?: string } | undefined)?.flagged;
      page(ctx, 200, 'Your devices', devicesPage(sessions, csrfField(ctx.session), flagged), user);
    }),
  );

  router.post(
    '/devices/revoke',
    signedIn(services, async (ctx, user) => {
      const key = typeof ctx.body.key === 'string' ? ctx.body.key : '';
      if (key === services.manager.keyOf(ctx.session)) {
        auth.logout(ctx.session);
        flash(ctx, 'info', 'You are signed out.');
        return redirect(ctx.res, '/login');
      }
      const revoked = await auth.revokeSession(user.id, key);
      flash(ctx, revoked ? 'success' : 'error', revoked ? 'That device is signed out.' : 'No such session of yours.');
      redirect(ctx.res, '/devices');
    }),
  );

  router.post(
    '/devices/revoke-others',
    signedIn(services, async (ctx, user) => {
      const count = await auth.logoutEverywhere(user.id, { exceptCurrent: ctx.session });
      flash(ctx, 'success', `Signed out ${count} other device${count === 1 ? '' : 's'}.`);
      redirect(ctx.res, '/devices');
    }),
  );

  router.get(
    '/admin',
    signedIn(services, async (ctx, user) => {
      if (!ctx.session.get('roles')?.includes('admin')) {
        return page(ctx, 403, 'Forbidden', errorPage('Forbidden', 'This page is for administrators only.'), user);
      }
      page(ctx, 200, 'Admin', adminPage(users.list(), await sessionCounts(services)), user);
    }),
  );
}

export function htmlError(ctx: Context, status: number, title: string, message: string, services: Services): void {
  page(ctx, status, title, errorPage(title, message), currentUser(services, ctx));
}
