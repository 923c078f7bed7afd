import { Router } from 'express';
import { StytchApiError } from '../http/apiErrors';
import { sendStytch } from '../http/envelope';
import { stytchMethodNotAllowed } from '../http/errorHandler';
import type { ProjectStore } from '../store/projectStore';
import { TemplateError, validateClaimsTemplate } from '../tokens/customClaims';
import { NextKeyTooNewError, type KeyRing } from '../tokens/keyRing';
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
      let rotated;
      try {
        rotated = await keys.rotate({ force, revokePrevious });
      } catch (err) {
        if (err instanceof NextKeyTooNewError) {
          throw new StytchApiError(409, 'next_signing_key_too_new', err.message, { 'Retry-After': String(err.retryAfterSeconds) });
        }
        throw err;
      }
      const { kid, retiredKid, nextKid } = rotated;
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
      const body: unknown = req.body;
      let template;
      try {
        template =
          body === null || (typeof body === 'object' && body !== null && Object.keys(body).length === 0)
            ? null
            : validateClaimsTemplate(body);
      } catch (err) {
        if (err instanceof TemplateError) throw new StytchApiError(400, 'invalid_custom_claims_template', err.message);
        throw err;
      }
      project.setCustomClaimsTemplate(template);
      sendStytch(req, res, { custom_claims_template: template });
    })
    .all(stytchMethodNotAllowed(['GET', 'PUT']));

  return router;
}
