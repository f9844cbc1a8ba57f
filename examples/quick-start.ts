// The README's quick start, runnable: node --import tsx examples/quick-start.ts
import { createServer } from 'node:http';
import { createSessions } from 'sessionkit';
import { MemoryStore } from 'sessionkit/memory';
import { withSessions } from 'sessionkit/node';

const sessions = createSessions<{ visits: number }>({
  store: new MemoryStore(),
  idleTimeout: 30 * 60_000, // ends after 30 minutes without a request
  lifetime: 12 * 60 * 60_000, // and after 12 hours at the latest
});

const server = createServer(
  withSessions(sessions, (_req, res, session) => {
    const visits = (session.get('visits') ?? 0) + 1;
    session.set('visits', visits);
    res.end(`You have been here ${visits} time(s).\n`);
  }),
);
server.listen(3000, () => console.log('http://localhost:3000'));
