/** The express group's native peer: express 5 + express-session with its built-in MemoryStore. */
import { serveExpressSession } from '../lib/express-session-app.js';

serveExpressSession();
