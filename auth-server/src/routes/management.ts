import { Router } from 'express';
import { AuthServerError } from '../errors';
import { sendStytch } from '../http/envelope';
import { stytchMethodNotAllowed } from '../http/errorHandler';
import { parseBody } from '../http/validation';
import { generateSecret, hashGeneratedSecret, hashProvidedSecret, lastFour, weakSecretReason } from '../security/secrets';
import type { ClientStore, M2MClientRecord } from '../store/clientStore';
import { toClientView } from './clientView';
import type { AuditLog } from '../audit/auditLog';
import { auditContext } from '../audit/auditContext';
import { createClientBody, searchClientsBody, updateClientBody } from './schemas';

export interface ManagementDeps {
  clients: ClientStore;
  /** `test` or `live`, as in the project id: client ids follow it (m2m-client-test-…). */
  environment: 'test' | 'live';
  /** Every change is recorded (never a secret). */
  audit: AuditLog;
}

/** Stytch's M2M client management API (docs/stytch-api-mapping.md); mount behind requireProjectCredentials. */
export function managementRoutes({ clients, environment, audit }: ManagementDeps): Router {
  const router = Router();

  const found = (clientId: string, client: M2MClientRecord | undefined): M2MClientRecord => {
    if (!client) throw new AuthServerError(404, 'm2m_client_not_found', `No M2M client with client_id ${clientId} was found`);
    return client;
  };

  router
    .route('/v1/m2m/clients')
    .post(async (req, res) => {
      const body = parseBody(createClientBody, req.body);
      let secret = body.client_secret;
      if (secret !== undefined) {
        const weak = weakSecretReason(secret);
        if (weak) throw new AuthServerError(400, 'invalid_client_secret', weak);
      }
      const generated = secret === undefined;
      secret ??= generateSecret();
      const clientId = body.client_id ?? `m2m-client-${environment}-${crypto.randomUUID()}`;
      // A taken client_id: the store's ClientIdTakenError answers 400 m2m_client_id_already_exists.
      const client = clients.create({
        clientId,
        clientName: body.client_name ?? '',
        clientDescription: body.client_description ?? '',
        status: 'active',
        scopes: unique(body.scopes),
        trustedMetadata: body.trusted_metadata ?? {},
        secretHash: generated ? hashGeneratedSecret(secret) : await hashProvidedSecret(secret),
        secretLastFour: lastFour(secret),
        nextSecretHash: null,
        nextSecretLastFour: null,
      });
      audit.record({
        ...auditContext(req, res),
        type: 'client.created',
        clientId,
        scopes: client.scopes,
        details: { client_name: client.clientName, imported_secret: !generated },
      });
      // The only time the secret is shown: only its hash is kept.
      sendStytch(req, res, { m2m_client: { ...toClientView(client), client_secret: secret } });
    })
    .all(stytchMethodNotAllowed(['POST']));

  router
    .route('/v1/m2m/clients/search')
    .post((req, res) => {
      const body = parseBody(searchClientsBody, req.body);
      const page = clients.search({
        operator: body.query?.operator ?? 'AND',
        operands: (body.query?.operands ?? []).map((o) => ({ filterName: o.filter_name, values: o.filter_value })),
        afterSeq: body.cursor ? decodeCursor(body.cursor) : 0,
        limit: body.limit ?? 100,
      });
      sendStytch(req, res, {
        m2m_clients: page.clients.map(toClientView),
        results_metadata: { total: page.total, next_cursor: page.lastSeq === null ? null : encodeCursor(page.lastSeq) },
      });
    })
    .all(stytchMethodNotAllowed(['POST']));

  router
    .route('/v1/m2m/clients/:client_id')
    .get((req, res) => {
      const id = req.params.client_id;
      sendStytch(req, res, { m2m_client: toClientView(found(id, clients.get(id))) });
    })
    .put((req, res) => {
      const id = req.params.client_id;
      const body = parseBody(updateClientBody, req.body);
      const client = clients.update(id, {
        clientName: body.client_name,
        clientDescription: body.client_description,
        status: body.status,
        scopes: body.scopes && unique(body.scopes),
        trustedMetadata: body.trusted_metadata,
      });
      const updated = found(id, client);
      // Which fields were sent, and the status: enough to see who deactivated a client, never a value that could be secret.
      audit.record({
        ...auditContext(req, res),
        type: 'client.updated',
        clientId: id,
        scopes: updated.scopes,
        details: { fields: Object.keys(body).sort(), status: updated.status },
      });
      sendStytch(req, res, { m2m_client: toClientView(updated) });
    })
    .delete((req, res) => {
      const id = req.params.client_id;
      if (!clients.delete(id)) found(id, undefined);
      audit.record({ ...auditContext(req, res), type: 'client.deleted', clientId: id });
      sendStytch(req, res, { client_id: id });
    })
    .all(stytchMethodNotAllowed(['GET', 'PUT', 'DELETE']));

  router
    .route('/v1/m2m/clients/:client_id/secrets/rotate/start')
    .post((req, res) => {
      const id = req.params.client_id;
      const current = found(id, clients.get(id));
      // Replacing a pending next secret would lock out whoever stored it (Stytch shows it once).
      // Stytch's reference does not say what it answers here; auth-server/README.md explains this choice.
      if (current.nextSecretHash !== null) {
        throw new AuthServerError(
          409,
          'm2m_client_secret_rotation_in_progress',
          `A secret rotation is already in progress for this client (next secret ending in ${current.nextSecretLastFour}): complete it (secrets/rotate) or cancel it (secrets/rotate/cancel) before starting another`,
        );
      }
      const next = generateSecret();
      const client = found(id, clients.startSecretRotation(id, hashGeneratedSecret(next), lastFour(next)));
      audit.record({ ...auditContext(req, res), type: 'client.secret_rotation.started', clientId: id });
      sendStytch(req, res, { m2m_client: { ...toClientView(client), next_client_secret: next } });
    })
    .all(stytchMethodNotAllowed(['POST']));

  router
    .route('/v1/m2m/clients/:client_id/secrets/rotate/cancel')
    .post((req, res) => {
      const id = req.params.client_id;
      const client = found(id, clients.cancelSecretRotation(id));
      audit.record({ ...auditContext(req, res), type: 'client.secret_rotation.cancelled', clientId: id });
      sendStytch(req, res, { m2m_client: toClientView(client) });
    })
    .all(stytchMethodNotAllowed(['POST']));

  router
    .route('/v1/m2m/clients/:client_id/secrets/rotate')
    .post((req, res) => {
      const id = req.params.client_id;
      if (!clients.completeSecretRotation(id)) {
        found(id, clients.get(id));
        throw new AuthServerError(
          400,
          'm2m_client_secret_rotation_not_started',
          'No secret rotation is in progress for this client: call rotate/start first',
        );
      }
      audit.record({ ...auditContext(req, res), type: 'client.secret_rotation.completed', clientId: id });
      sendStytch(req, res, { m2m_client: toClientView(found(id, clients.get(id))) });
    })
    .all(stytchMethodNotAllowed(['POST']));

  return router;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/** Cursors are opaque to callers: a position in creation order. */
function encodeCursor(seq: number): string {
  return Buffer.from(`after:${seq}`).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const match = /^after:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new AuthServerError(400, 'invalid_cursor', 'cursor is not a value returned as next_cursor by a previous search');
  return Number(match[1]);
}
