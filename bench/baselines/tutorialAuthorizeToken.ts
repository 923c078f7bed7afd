import type { RequestHandler } from 'express';
import type * as stytch from 'stytch';

/**
 * The baseline: the middleware of Stytch's Node tutorial ("How to securely implement M2M authentication
 * and authorization in Node.js using Stytch", January 2024), ported line for line: one SDK verification
 * and one console.log per request, no cache.
 * Kept faithful on purpose, including what is wrong with it (any error becomes a 500).
 * `logResponse: false` drops the console.log, the one change: how much of its cost is the logging.
 */
export function tutorialAuthorizeToken(client: stytch.Client, requiredScope: string, { logResponse = true } = {}): RequestHandler {
  return async (req, res, next) => {
    try {
      const token = req.headers.authorization && req.headers.authorization.split(' ')[1];
      if (!token) {
        res.status(401).json({ error: 'Unauthorized' });
        return;
      }
      const params = { access_token: token, required_scopes: [requiredScope] };
      const response = await client.m2m.authenticateToken(params);
      if (logResponse) console.log('Token authorized:', response);
      next();
    } catch (error) {
      console.error('Error in middleware:', error);
      res.status(500).json({ error: 'Internal server error' });
    }
  };
}
