import { Router } from 'express';
import { AuthServerError } from '../errors';
import { sendStytch } from '../http/envelope';
import { stytchMethodNotAllowed } from '../http/errorHandler';
import type { KeyRing } from '../tokens/keyRing';

export interface PublicKeyRouteDeps {
  projectId: string;
  keys: KeyRing;
}

/** `GET /v1/sessions/jwks/{project_id}`: the public keys verifiers (jose, the Stytch SDK) check tokens with. */
export function publicKeyRoutes({ projectId, keys }: PublicKeyRouteDeps): Router {
  const router = Router();
  router
    .route('/v1/sessions/jwks/:project_id')
    .get((req, res) => {
      if (req.params.project_id !== projectId) {
        throw new AuthServerError(404, 'project_not_found', `No project with project_id ${req.params.project_id} is served here`);
      }
      // Within NEXT_KEY_MIN_AGE_SECONDS: a key published before it signs reaches every cache in time.
      res.setHeader('Cache-Control', 'public, max-age=30');
      sendStytch(req, res, { keys: keys.publicKeys() });
    })
    .all(stytchMethodNotAllowed(['GET']));
  return router;
}
