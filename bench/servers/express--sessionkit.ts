/** The express group's target: express 5 + sessionkit/express + MemoryStore. */
import { MemoryStore } from 'sessionkit/memory';
import { serveSessionkitExpress } from '../lib/sessionkit-express-app.js';

serveSessionkitExpress(new MemoryStore());
