import { Router } from 'express';
import { auditContext } from '../audit/auditContext';
import type { AuditLog } from '../audit/auditLog';
import { AuthServerError } from '../errors';
import { sendStytch } from '../http/envelope';
import { stytchMethodNotAllowed } from '../http/errorHandler';
import type { ClientStore } from '../store/clientStore';
import type { ProjectStore } from '../store/projectStore';
import type { TokenIssuer } from '../tokens/tokenIssuer';
import { validateClaimsTemplate } from '../tokens/customClaims';
import type { KeyRing } from '../tokens/keyRing';
import { parseBody } from '../http/validation';
import { claimsPreviewBody, rotateKeysBody } from './schemas';

export interface LocalExtensionDeps {
  keys: KeyRing;
  project: ProjectStore;
  clients: ClientStore;
  tokenIssuer: TokenIssuer;
  audit: AuditLog;
}

/**
 * What Stytch does in its dashboard, as endpoints (project Basic auth, like the management API):
 * see and rotate the signing keys, read, set and preview the custom claims template.
 */
export function localExtensionRoutes({ keys, project, clients, tokenIssuer, audit }: LocalExtensionDeps): Router {
  const router = Router();

  router
    .route('/v1/local/signing-keys')
    .get((req, res) => {
      sendStytch(req, res, { signing_keys: keys.describe() });
    })
    .all(stytchMethodNotAllowed(['GET']));

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
      audit.record({
        ...auditContext(req, res),
        type: 'signing_key.rotated',
        details: { kid, retired_kid: retiredKid, next_kid: nextKid, force, revoke_previous: revokePrevious },
      });
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
      audit.record({
        ...auditContext(req, res),
        type: 'custom_claims_template.updated',
        details: { claims: template ? Object.keys(template).sort() : [] },
      });
      sendStytch(req, res, { custom_claims_template: template });
    })
    .all(stytchMethodNotAllowed(['GET', 'PUT']));

  router
    .route('/v1/local/m2m/custom-claims-preview')
    .post((req, res) => {
      // The claims a token for this client would carry now: with the stored template, or with a draft one.
      const body = parseBody(claimsPreviewBody, req.body);
      const client = clients.get(body.client_id);
      if (!client) throw new AuthServerError(404, 'm2m_client_not_found', `No M2M client with client_id ${body.client_id} was found`);
      const template = body.template === undefined ? project.customClaimsTemplate() : validateClaimsTemplate(body.template);
      sendStytch(req, res, { claims: tokenIssuer.claims(client, client.scopes, body.request ?? {}, template) });
    })
    .all(stytchMethodNotAllowed(['POST']));

  return router;
}

function isEmptyObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.keys(value).length === 0;
}
