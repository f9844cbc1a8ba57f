/** Page layout and escaping. All CSS is inline: the demo loads no external assets. */
import type { User } from './users.js';

export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export interface Flash {
  kind: 'error' | 'info' | 'success';
  text: string;
}

const CSS = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f6fa;color:#1d2433}
header{background:#1d2a44;color:#fff}
header .bar{max-width:860px;margin:0 auto;padding:.8rem 1.2rem;display:flex;align-items:center;gap:1.2rem}
header .brand{font-weight:700;letter-spacing:.02em;margin-right:auto;color:#fff;text-decoration:none}
header a{color:#cfd8ee;text-decoration:none}
header a:hover{color:#fff}
header form{margin:0}
main{max-width:860px;margin:2rem auto;padding:0 1.2rem}
.card{background:#fff;border-radius:10px;box-shadow:0 1px 3px rgba(20,30,60,.12);padding:1.6rem 1.8rem;margin-bottom:1.4rem}
.narrow{max-width:420px;margin-left:auto;margin-right:auto}
h1{font-size:1.6rem;margin:0 0 .8rem}
h2{font-size:1.15rem;margin:0 0 .6rem}
p{margin:.4rem 0 .9rem}
label{display:block;font-weight:600;margin:.8rem 0 .3rem}
label.check{font-weight:400;display:flex;gap:.5rem;align-items:center}
input[type=text],input[type=password],input[type=email]{width:100%;padding:.55rem .7rem;border:1px solid #c5cddd;border-radius:6px;font:inherit}
input:focus{outline:2px solid #4b6fd6;border-color:#4b6fd6}
button{font:inherit;border:0;border-radius:6px;padding:.5rem 1rem;background:#3557c4;color:#fff;cursor:pointer}
button:hover{background:#2a48a8}
button.link{background:none;color:#cfd8ee;padding:0}
button.link:hover{color:#fff}
button.danger{background:#c23a3a}
button.danger:hover{background:#a32d2d}
.flash{padding:.7rem 1rem;border-radius:6px;margin-bottom:1rem}
.flash.error{background:#fde8e8;color:#8a1c1c;border:1px solid #f5c2c2}
.flash.info{background:#e7eefc;color:#1f3d8a;border:1px solid #c5d4f5}
.flash.success{background:#e5f6ea;color:#1c6b36;border:1px solid #bfe6cb}
table{width:100%;border-collapse:collapse;font-size:.93rem}
th,td{text-align:left;padding:.55rem .5rem;border-bottom:1px solid #e6e9f0;vertical-align:top}
th{color:#5b6478;font-weight:600}
.muted{color:#6b7385;font-size:.9rem}
.tag{display:inline-block;background:#e7eefc;color:#1f3d8a;border-radius:999px;padding:0 .55rem;font-size:.8rem;margin-right:.3rem}
.tag.warn{background:#fff1d6;color:#7a4b00}
main a{color:#3557c4}
code{background:#eef1f7;border-radius:4px;padding:0 .3rem}
`;

export interface LayoutOptions {
  title: string;
  user?: User;
  flashes?: Flash[];
  /** Hidden CSRF field for the logout form in the header. */
  csrfField?: string;
}

export function layout(body: string, options: LayoutOptions): string {
  const { user, flashes = [] } = options;
  const nav = user
    ? `<a href="/">Home</a><a href="/profile">Profile</a><a href="/devices">Devices</a>${
        user.roles.includes('admin') ? '<a href="/admin">Admin</a>' : ''
      }<form method="post" action="/logout">${options.csrfField ?? ''}<button class="link" type="submit">Sign out</button></form>`
    : '<a href="/login">Sign in</a>';
  const flashHtml = flashes
    .map((f) => `<div class="flash ${f.kind}" role="status">${escapeHtml(f.text)}</div>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(options.title)} · sessionkit demo</title><style>${CSS}</style></head>
<body><header><div class="bar"><a class="brand" href="/">sessionkit demo</a>${nav}</div></header>
<main>${flashHtml}${body}</main></body></html>`;
}
