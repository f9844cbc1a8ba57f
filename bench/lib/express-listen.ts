/** Listen on 127.0.0.1:$PORT and print `ready`, for the express servers. */
import type { Express } from 'express';

export function listenExpress(app: Express): void {
  // Express 5 hands a listen error to the callback instead of throwing it.
  app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', (error?: Error) => {
    if (error) throw error;
    console.log('ready');
  });
}
