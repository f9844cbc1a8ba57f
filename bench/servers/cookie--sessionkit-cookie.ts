/** The cookie group's target: node:http + sessionkit/node + CookieStore (AES-256-GCM sealed cookie). */
import { CookieStore, generateKey } from 'sessionkit/cookie';
import { serveSessionkit } from '../lib/sessionkit-server.js';

serveSessionkit(new CookieStore({ keys: [process.env.SESSION_KEY ?? generateKey()] }));
