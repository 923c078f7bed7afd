import { Router, type Request, type RequestHandler } from 'express';
import {
  authorizeToken,
  HttpError,
  jsonBody,
  methodNotAllowed,
  serveStatelessMcp,
  type AuthorizeTokenOptions,
  type Logger,
  type M2MIdentity,
} from '@m2m/shared';
import type { WalletStore } from '../wallets/walletStore';
import { TOOL_SCOPES } from './toolScopes';

// The tools, and the MCP SDK with them, load on the first /mcp request (serveStatelessMcp says why).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use
const walletTools = () => require('./walletTools') as typeof import('./walletTools');

export const MCP_PATH = '/mcp';

export interface McpRouteDeps {
  wallets: WalletStore;
  logger: Logger;
  /** The REST routes' authorizeToken options (client, revocation windows, resource_metadata...). */
  authorize: AuthorizeTokenOptions;
  /** This server's RFC 9728 `resource`: tokens at /mcp must be bound to it. */
  resource: () => string;
  /** A custom claim that may name the resource instead of `aud` (hosted Stytch: see the README). */
  resourceClaim?: string | undefined;
}

/**
 * POST /mcp: the MCP Streamable HTTP endpoint. Every request is authorized on its own, as the MCP
 * authorization spec requires (a token on every HTTP request): a valid token bound to this resource
 * (401 otherwise), then the scope of the tool it calls (403 insufficient_scope, with the scope to ask for).
 */
export function mcpRoutes({ wallets, logger, authorize, resource, resourceClaim }: McpRouteDeps): Router {
  const bound: AuthorizeTokenOptions = { ...authorize, resource, ...(resourceClaim !== undefined && { resourceClaim }) };
  const anyScope = authorizeToken([], bound);
  const byScope = new Map(Object.values(TOOL_SCOPES).map((scope) => [scope, authorizeToken(scope, bound)]));
  // The tool's scope, read from the JSON-RPC message once the token is known to be good (so bodies of anonymous callers are never parsed).
  const toolScope: RequestHandler = (req, res, next) => {
    const guard = byScope.get(scopeOf(req.body));
    if (guard) return guard(req, res, next);
    next();
  };

  const router = Router();
  router
    .route(MCP_PATH)
    // Stateless (a server per request): every call carries its own token, and a debit's retry safety lives in its idempotencyKey.
    .post(sameOrigin(resource), anyScope, jsonBody({ limit: '16kb' }), toolScope, (req, res) =>
      serveStatelessMcp(req, res, () => walletTools().walletMcpServer(wallets, identity(req), logger)),
    )
    // No GET stream (stateless: nothing to push) and no session to DELETE; 405 is the answer Streamable HTTP defines for both.
    .all(methodNotAllowed(['POST'], 'POST one JSON-RPC message to /mcp with Authorization: Bearer <token>; this server keeps no sessions'));
  return router;
}

/** The scope a JSON-RPC message needs beyond a valid token: that of the tool a `tools/call` names, else none. */
function scopeOf(message: unknown): string {
  if (!isRecord(message) || message.method !== 'tools/call' || !isRecord(message.params)) return '';
  const { name } = message.params;
  return typeof name === 'string' ? (TOOL_SCOPES[name] ?? '') : '';
}

/**
 * Streamable HTTP requires servers to validate Origin (DNS rebinding): a browser page elsewhere
 * must not reach a local MCP server. Agents send none; a browser sends its page's origin.
 */
function sameOrigin(resource: () => string): RequestHandler {
  return (req, _res, next) => {
    const origin = req.get('Origin');
    if (origin !== undefined && origin !== new URL(resource()).origin) {
      throw new HttpError(403, 'origin_not_allowed', `Requests from origin ${origin.slice(0, 200)} are not accepted by this MCP server`);
    }
    next();
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Set by authorizeToken; its absence is a wiring bug in this file, not the caller's fault. */
function identity(req: Request): M2MIdentity {
  if (!req.m2m) throw new Error('MCP request reached without authorizeToken');
  return req.m2m;
}
