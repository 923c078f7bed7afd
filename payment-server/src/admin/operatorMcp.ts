import { Router } from 'express';
import type { Client } from 'stytch';
import { methodNotAllowed, serveStatelessMcp, type Logger } from '@m2m/shared';
import type { SecretRotation } from '../credentials/secretRotation';

// The tools, and the MCP SDK with them, load on the first /admin/mcp request (serveStatelessMcp says why).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use
const operatorTools = () => require('./operatorTools') as typeof import('./operatorTools');

export interface OperatorMcpDeps {
  stytch: Client;
  rotation: SecretRotation;
  logger: Logger;
}

/**
 * POST /admin/mcp: the M2M clients as MCP tools for an operator's agent, behind the admin key (the
 * /admin guard runs first). Read-only on purpose (README, "Operator tools"): an agent's context is
 * no place for a client secret, and create / rotate / deactivate stay with the operator's own hands
 * on the admin routes. Stateless Streamable HTTP, as the wallet's /mcp.
 */
export function operatorMcpRoutes(deps: OperatorMcpDeps): Router {
  const router = Router();
  router
    .route('/mcp')
    .post((req, res) => serveStatelessMcp(req, res, () => operatorTools().operatorMcpServer(deps)))
    .all(methodNotAllowed(['POST'], 'POST one JSON-RPC message to /admin/mcp; this server keeps no sessions'));
  return router;
}
