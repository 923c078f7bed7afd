import { Router } from 'express';
import { z } from 'zod';
import { sendStytch } from '../http/envelope';
import { stytchMethodNotAllowed } from '../http/errorHandler';
import { parseBody } from '../http/validation';
import { inspectToken } from '../tokens/inspectToken';
import type { KeyRing } from '../tokens/keyRing';

const inspectBody = z.strictObject({ token: z.string().min(1).max(16_384) });

/**
 * `POST /v1/local/tokens/inspect`: a JWT's header and claims, its signature checked against this
 * server's JWKS, and its expiry (project Basic auth). The token travels in the body, never the URL,
 * and is not logged.
 */
export function tokenInspectionRoutes(deps: { keys: KeyRing; issuer: string; projectId: string; now: () => number }): Router {
  const router = Router();
  router
    .route('/v1/local/tokens/inspect')
    .post((req, res) => {
      const { token } = parseBody(inspectBody, req.body);
      const inspection = inspectToken(token, {
        jwks: deps.keys.publicKeys(),
        issuer: deps.issuer,
        projectId: deps.projectId,
        nowSeconds: Math.floor(deps.now() / 1000),
      });
      sendStytch(req, res, inspection);
    })
    .all(stytchMethodNotAllowed(['POST']));
  return router;
}
