import { Router, type Request } from 'express';
import type { Client, M2MClient } from 'stytch';
import {
  authorizeToken,
  callStytch,
  clientView,
  hasScopes,
  HttpError,
  jsonBody,
  MANAGE_CREDENTIALS_SCOPE,
  methodNotAllowed,
  parseInput,
  TENANT_CLAIM,
  type AuthorizeTokenOptions,
} from '@m2m/shared';
import { callerTenant } from './callerTenant';
import { CreateTenantClientRequest, TenantClientIdParam } from './tenantClientSchemas';

export const TENANT_CLIENTS_PATH = '/tenant/m2m/clients';

export interface TenantClientRoutesDeps {
  /** The project's SDK client (its secret): the calls below are Stytch management calls made for the tenant. */
  stytch: Client;
  authorize: AuthorizeTokenOptions;
}

/** A page of the project's clients per search call: the most Stytch returns. */
const SEARCH_PAGE = 1000;

/**
 * Tenant self-service credentials: a tenant owner (a token with manage:credentials and a tenant_id
 * claim) creates, lists, rotates and deletes the M2M clients of its own tenant, through the
 * project's Stytch credentials, which only the wallet holds. Another tenant's client answers 404,
 * exactly as an unknown one does, so ids of other tenants can't be probed. A new client carries the
 * tenant in trusted_metadata (and so, through the custom claims template, in its tokens), and only
 * scopes the owner's token holds itself.
 */
export function tenantClientRoutes({ stytch, authorize }: TenantClientRoutesDeps): Router {
  const router = Router();
  const guard = authorizeToken(MANAGE_CREDENTIALS_SCOPE, authorize);
  const json = jsonBody({ limit: '16kb' });

  /** The client `:clientId`, when it belongs to `tenant`; 404 otherwise, whether it exists or not. */
  const ownedClient = async (req: Request, tenant: string): Promise<M2MClient> => {
    const clientId = parseInput(TenantClientIdParam, req.params.clientId, 'client_id');
    const notFound = new HttpError(404, 'm2m_client_not_found', `No M2M client ${clientId} in your tenant`);
    try {
      const { m2m_client } = await callStytch(() => stytch.m2m.clients.get({ client_id: clientId }));
      if (tenantOfClient(m2m_client) !== tenant) throw notFound;
      return m2m_client;
    } catch (err) {
      if (err instanceof HttpError && err.status === 404) throw notFound;
      throw err;
    }
  };

  router
    .route(TENANT_CLIENTS_PATH)
    .post(guard, json, async (req, res) => {
      const { tenant, scopes: held } = owner(req);
      const create = parseInput(CreateTenantClientRequest, req.body);
      const notHeld = create.scopes.filter((scope) => !hasScopes(held, [scope]));
      if (notHeld.length) {
        throw new HttpError(403, 'scope_not_held', `A tenant owner grants only scopes its token holds; it lacks ${notHeld.join(' ')}`);
      }
      const { m2m_client } = await callStytch(() => stytch.m2m.clients.create({ ...create, trusted_metadata: { [TENANT_CLAIM]: tenant } }));
      req.log.info({ tenant, clientId: m2m_client.client_id, scopes: m2m_client.scopes }, 'tenant M2M client created');
      // The one answer that carries the secret: Stytch shows it once, so does the wallet.
      res.status(201).json({ m2m_client: { ...clientView(m2m_client), client_secret: m2m_client.client_secret } });
    })
    .get(guard, async (req, res) => {
      const { tenant } = owner(req);
      res.json({ m2m_clients: (await tenantClients(stytch, tenant)).map(clientView) });
    })
    .all(methodNotAllowed(['GET', 'POST']));

  router
    .route(`${TENANT_CLIENTS_PATH}/:clientId`)
    .get(guard, async (req, res) => {
      res.json({ m2m_client: clientView(await ownedClient(req, owner(req).tenant)) });
    })
    .delete(guard, async (req, res) => {
      const { tenant } = owner(req);
      const client = await ownedClient(req, tenant);
      await callStytch(() => stytch.m2m.clients.delete({ client_id: client.client_id }));
      req.log.info({ tenant, clientId: client.client_id }, 'tenant M2M client deleted');
      res.json({ client_id: client.client_id, deleted: true });
    })
    .all(methodNotAllowed(['GET', 'DELETE']));

  // Rotation as Stytch's: start (both secrets work), then complete (the next one becomes the only one) or cancel.
  router
    .route(`${TENANT_CLIENTS_PATH}/:clientId/secrets/rotate/:step`)
    .post(guard, async (req, res) => {
      const { tenant } = owner(req);
      const step = req.params.step;
      if (step !== 'start' && step !== 'complete' && step !== 'cancel') {
        throw new HttpError(404, 'not_found', `No rotation step ${step}: use start, complete or cancel`);
      }
      const { client_id } = await ownedClient(req, tenant);
      req.log.info({ tenant, clientId: client_id, step }, 'tenant M2M client secret rotation');
      if (step === 'start') {
        const { m2m_client } = await callStytch(() => stytch.m2m.clients.secrets.rotateStart({ client_id }));
        // The next secret, shown once, as the create answer shows the first.
        res.json({ m2m_client: { ...clientView(m2m_client), next_client_secret: m2m_client.next_client_secret } });
        return;
      }
      const { m2m_client } =
        step === 'complete'
          ? await callStytch(() => stytch.m2m.clients.secrets.rotate({ client_id }))
          : await callStytch(() => stytch.m2m.clients.secrets.rotateCancel({ client_id }));
      res.json({ m2m_client: clientView(m2m_client) });
    })
    .all(methodNotAllowed(['POST']));

  return router;
}

/** The tenant owner behind a request (authorizeToken has run): its tenant and its token's scopes. */
function owner(req: Request): { tenant: string; scopes: readonly string[] } {
  if (!req.m2m) throw new Error('route reached without authorizeToken');
  const tenant = callerTenant(req.m2m);
  if (tenant === undefined) {
    throw new HttpError(
      403,
      'not_a_tenant_owner',
      `These routes manage a tenant's own clients: the token must carry a ${TENANT_CLAIM} claim (the platform's clients are managed in Stytch)`,
    );
  }
  return { tenant, scopes: req.m2m.scopes };
}

function tenantOfClient(client: M2MClient): unknown {
  return (client.trusted_metadata as Record<string, unknown> | undefined)?.[TENANT_CLAIM];
}

/**
 * Every client of the tenant. Stytch's search filters by id, name or scope, not trusted_metadata, so
 * this reads the project's clients page by page: fine for hundreds of clients; a platform with many
 * tenants would keep its own tenant → client index beside its wallets.
 */
async function tenantClients(stytch: Client, tenant: string): Promise<M2MClient[]> {
  const found: M2MClient[] = [];
  let cursor: string | undefined;
  do {
    const page = await callStytch(() => stytch.m2m.clients.search({ limit: SEARCH_PAGE, ...(cursor && { cursor }) }));
    found.push(...page.m2m_clients.filter((client) => tenantOfClient(client) === tenant));
    cursor = page.results_metadata.next_cursor ?? undefined;
  } while (cursor);
  return found;
}
