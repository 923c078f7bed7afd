import express from 'express';
import { closeServer, errorHandler, listen } from '@m2m/shared';
import { authorizeToken, type AuthorizeTokenOptions } from '@m2m/shared';

/** The smallest app a user would write: three routes, each needing different scopes, echoing req.m2m. */
export async function startGuardedApp(options: AuthorizeTokenOptions) {
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  app.use(express.json());
  const echo: express.RequestHandler = (req, res) => {
    res.json(req.m2m);
  };
  app.all('/read', authorizeToken('read:users', options), echo);
  app.get('/write', authorizeToken('write:wallets', options), echo);
  app.get('/both', authorizeToken(['read:users', 'write:wallets'], options), echo);
  app.get('/read-any', authorizeToken('read:anything', options), echo);
  app.use(errorHandler());
  const running = await listen(app, 0, '127.0.0.1');
  return { url: running.url.replace(/\/$/, ''), close: () => closeServer(running.server, 1000) };
}
