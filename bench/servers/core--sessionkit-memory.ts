/** The core group's target: node:http + sessionkit/node withSessions + MemoryStore. */
import { MemoryStore } from 'sessionkit/memory';
import { serveSessionkit } from '../lib/sessionkit-server.js';

serveSessionkit(new MemoryStore());
