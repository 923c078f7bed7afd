import { Router, type Request } from 'express';
import type { Client } from 'stytch';
import { HttpError, parseInput } from '@m2m/shared';
import { clientView } from '@m2m/shared';
import { ClientIdParam, CreateClientRequest, SearchClientsRequest, UpdateClientRequest } from './clientSchemas';
import { PAYMENT_CLIENT_SCOPES } from '../credentials/loadCredentials';
import { callStytch } from '@m2m/shared';

export interface ClientRoutesDeps {
  stytch: Client;
  /** The payment-server's own client: it can't be deleted or deactivated from here (that would stop payments). */
  ownClientId: () => string;
}

/** /admin/m2m/clients: search, get, update, create and delete M2M clients through the Stytch SDK. */
export function clientRoutes({ stytch, ownClientId }: ClientRoutesDeps): Router {
  const router = Router();

  router.post('/m2m/clients/search', async (req, res) => {
    const search = parseInput(SearchClientsRequest, req.body ?? {});
    const found = await callStytch(() => stytch.m2m.clients.search(search));
    res.json({ m2m_clients: found.m2m_clients.map(clientView), results_metadata: found.results_metadata });
  });

  router.post('/m2m/clients', async (req, res) => {
    const create = parseInput(CreateClientRequest, req.body);
    const { m2m_client } = await callStytch(() => stytch.m2m.clients.create(create));
    req.log.info({ clientId: m2m_client.client_id, scopes: m2m_client.scopes }, 'M2M client created');
    // The one answer that carries a secret: Stytch shows it once, so must we.
    res.status(201).json({ m2m_client: { ...clientView(m2m_client), client_secret: m2m_client.client_secret } });
  });

  router.get('/m2m/clients/:clientId', async (req, res) => {
    const clientId = clientIdOf(req);
    const { m2m_client } = await callStytch(() => stytch.m2m.clients.get({ client_id: clientId }));
    res.json({ m2m_client: clientView(m2m_client) });
  });

  router.put('/m2m/clients/:clientId', async (req, res) => {
    const clientId = clientIdOf(req);
    const update = parseInput(UpdateClientRequest, req.body);
    if (clientId === ownClientId()) {
      if (update.status === 'inactive') {
        throw new HttpError(409, 'own_client', "This is the payment-server's own client: deactivating it would stop every payment");
      }
      const { scopes } = update;
      const dropped = scopes ? PAYMENT_CLIENT_SCOPES.filter((scope) => !scopes.includes(scope)) : [];
      if (dropped.length) {
        throw new HttpError(
          409,
          'own_client',
          `This is the payment-server's own client: without ${dropped.join(' and ')} every payment would fail`,
        );
      }
    }
    const { m2m_client } = await callStytch(() => stytch.m2m.clients.update({ client_id: clientId, ...update }));
    req.log.info({ clientId, fields: Object.keys(update) }, 'M2M client updated');
    res.json({ m2m_client: clientView(m2m_client) });
  });

  router.delete('/m2m/clients/:clientId', async (req, res) => {
    const clientId = clientIdOf(req);
    if (clientId === ownClientId()) {
      throw new HttpError(409, 'own_client', "This is the payment-server's own client: deleting it would stop every payment");
    }
    await callStytch(() => stytch.m2m.clients.delete({ client_id: clientId }));
    req.log.info({ clientId }, 'M2M client deleted');
    res.json({ client_id: clientId, deleted: true });
  });

  return router;
}

function clientIdOf(req: Request): string {
  return parseInput(ClientIdParam, req.params.clientId, 'client_id');
}
