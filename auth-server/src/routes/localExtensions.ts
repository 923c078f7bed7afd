import { Router } from 'express';
import { sendStytch } from '../http/envelope';
import { stytchMethodNotAllowed } from '../http/errorHandler';
import type { ProjectStore } from '../store/projectStore';
import { validateClaimsTemplate } from '../tokens/customClaims';
import type { KeyRing } from '../tokens/keyRing';
import { parseBody } from '../http/validation';
import { rotateKeysBody } from './schemas';

export interface LocalExtensionDeps {
  keys: KeyRing;
  project: ProjectStore;
}

/**
 * What Stytch does in its dashboard, as endpoints (project Basic auth, like the management API):
 * rotate the signing key, and read or set the custom claims template.
 */
export function localExtensionRoutes({ keys, project }: LocalExtensionDeps): Router {
  const router = Router();

  router
    .route('/v1/local/signing-keys/rotate')
    .post(async (req, res) => {
      const { force, revoke_previous: revokePrevious } = parseBody(rotateKeysBody, req.body);
      // A next key published too recently: NextKeyTooNewError, 409 with Retry-After.
      const { kid, retiredKid, nextKid } = await keys.rotate({ force, revokePrevious });
      req.log[revokePrevious ? 'warn' : 'info'](
        { kid, retired_kid: retiredKid, next_kid: nextKid, force, revoke_previous: revokePrevious },
        'signing key rotated',
      );
      sendStytch(req, res, { kid, retired_kid: retiredKid, next_kid: nextKid, keys: keys.publicKeys() });
    })
    .all(stytchMethodNotAllowed(['POST']));

  router
    .route('/v1/local/m2m/custom-claims-template')
    .get((req, res) => {
      sendStytch(req, res, { custom_claims_template: project.customClaimsTemplate() });
    })
    .put((req, res) => {
      // `{}` clears it; anything else that breaks the rules is a TemplateError: 400 invalid_custom_claims_template.
      const body: unknown = req.body;
      const template = body === null || isEmptyObject(body) ? null : validateClaimsTemplate(body);
      project.setCustomClaimsTemplate(template);
      sendStytch(req, res, { custom_claims_template: template });
    })
    .all(stytchMethodNotAllowed(['GET', 'PUT']));

  return router;
}

function isEmptyObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.keys(value).length === 0;
}
