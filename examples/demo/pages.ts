/** The server-rendered pages: each function returns the inner HTML of one page. */
import type { DeviceSession } from '../../src/auth/index.js';
import { escapeHtml } from './html.js';
import type { User } from './users.js';

export function loginPage(csrfField: string, next: string, username = ''): string {
  return `<div class="card narrow"><h1>Sign in</h1>
<form method="post" action="/login">${csrfField}
<input type="hidden" name="next" value="${escapeHtml(next)}">
<label for="username">Username</label><input id="username" name="username" type="text" autocomplete="username" value="${escapeHtml(username)}" required autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<label class="check"><input type="checkbox" name="remember" value="1"> Remember me on this device</label>
<p><button type="submit">Sign in</button></p></form>
<p class="muted">Demo accounts are printed in the server's console at start-up.</p></div>`;
}

function formatTime(ms: number): string {
  return `${new Date(ms).toISOString().replace('T', ' ').slice(0, 19)} UTC`;
}

export function homePage(user: User, signedInAt: number | undefined, persistent: boolean): string {
  return `<div class="card"><h1>Hello, ${escapeHtml(user.name)}!</h1>
<p>You are signed in as <strong>${escapeHtml(user.username)}</strong>${user.roles.map((r) => ` <span class="tag">${escapeHtml(r)}</span>`).join('')}.</p>
<p class="muted">Signed in ${signedInAt ? formatTime(signedInAt) : 'just now'}; ${
    persistent ? 'this device is remembered (persistent cookie).' : 'the session ends when you close the browser.'
  }</p>
<p><a href="/profile">Edit your profile</a> · <a href="/devices">See your devices</a></p></div>`;
}

export function profilePage(user: User, csrfField: string): string {
  return `<div class="card narrow"><h1>Your profile</h1>
<form method="post" action="/profile">${csrfField}
<label for="name">Name</label><input id="name" name="name" type="text" maxlength="60" value="${escapeHtml(user.name)}">
<label for="email">Email</label><input id="email" name="email" type="text" maxlength="254" value="${escapeHtml(user.email)}">
<p><button type="submit">Save</button></p></form></div>`;
}

/** A short description of a user agent for the device list. */
export function describeAgent(agent: string | undefined): string {
  if (!agent) return 'Unknown client';
  const browser = /HeadlessChrome|Edg|Chrome|Firefox|Safari|curl|node/.exec(agent)?.[0] ?? 'Browser';
  const os = /Windows|Mac OS X|Android|iPhone|Linux/.exec(agent)?.[0] ?? '';
  return os ? `${browser} on ${os.replace('Mac OS X', 'macOS')}` : browser;
}

export function devicesPage(sessions: DeviceSession[], csrfField: string, flagged: string | undefined): string {
  const rows = sessions
    .map(
      (s) => `<tr data-key="${escapeHtml(s.key)}"><td>${escapeHtml(describeAgent(s.client?.userAgent))}${
        s.current ? ' <span class="tag">this device</span>' : ''
      }<div class="muted">${escapeHtml(s.client?.userAgent ?? '')}</div></td>
<td>${escapeHtml(s.client?.ip ?? '-')}</td><td>${formatTime(s.createdAt)}</td><td>${formatTime(s.lastSeenAt)}</td>
<td>${
        s.current
          ? ''
          : `<form method="post" action="/devices/revoke">${csrfField}<input type="hidden" name="key" value="${escapeHtml(s.key)}"><button class="danger" type="submit">Revoke</button></form>`
      }</td></tr>`,
    )
    .join('');
  return `<div class="card"><h1>Your devices</h1>
<p>Every browser or app signed in to your account. Revoke any you do not recognise: it is signed out at once.</p>
${flagged ? `<p><span class="tag warn">note</span> This session's ${escapeHtml(flagged)} changed since you signed in.</p>` : ''}
<table><thead><tr><th>Device</th><th>IP</th><th>Signed in</th><th>Last seen</th><th></th></tr></thead><tbody>${rows}</tbody></table>
${
  sessions.length > 1
    ? `<form method="post" action="/devices/revoke-others" style="margin-top:1rem">${csrfField}<button class="danger" type="submit">Sign out all other devices</button></form>`
    : ''
}</div>`;
}

export function adminPage(users: User[], counts: Map<string, number>): string {
  const rows = users
    .map(
      (u) =>
        `<tr><td>${escapeHtml(u.username)}</td><td>${escapeHtml(u.name)}</td><td>${u.roles.map((r) => `<span class="tag">${escapeHtml(r)}</span>`).join('')}</td><td>${counts.get(u.id) ?? 0}</td></tr>`,
    )
    .join('');
  return `<div class="card"><h1>Admin</h1><p>Only users with the <span class="tag">admin</span> role see this page.</p>
<table><thead><tr><th>Username</th><th>Name</th><th>Roles</th><th>Active sessions</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

export function errorPage(title: string, message: string): string {
  return `<div class="card narrow"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p><p><a href="/">Back to the start page</a></p></div>`;
}
