import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import {
  CheckBalanceRequest,
  DebitRequest,
  hasScopes,
  IdempotencyKey,
  SCOPES,
  ServiceError,
  type Logger,
  type M2MIdentity,
} from '@m2m/shared';
import { callerTenant } from '../tenants/callerTenant';
import { TOOL_SCOPES } from './toolScopes';
import { debitRefusal } from '../wallets/debitRefusal';
import type { WalletStore } from '../wallets/walletStore';

/** The extension this server implements (protocol revision 2026-07-28): agents authenticate with client credentials. */
export const CLIENT_CREDENTIALS_EXTENSION = 'io.modelcontextprotocol/oauth-client-credentials';

/** The REST debit's body plus its Idempotency-Key header, as one argument. */
export const DebitToolInput = DebitRequest.extend({ idempotencyKey: IdempotencyKey }).strict();

const Balance = z.object({ customerName: z.string(), walletId: z.string(), walletBalance: z.number().int() });
const Debited = z.object({ transactionId: z.string(), walletBalance: z.number().int(), replayed: z.boolean() });

/**
 * The wallet as MCP tools, for one request's caller (the endpoint is stateless: a server per request).
 * Inputs are parsed with the REST routes' schemas; a refusal is a tool error whose text says why.
 */
export function walletMcpServer(wallets: WalletStore, caller: M2MIdentity, logger: Logger): McpServer {
  const server = new McpServer(
    { name: 'wallet-server', version: '1.0.0' },
    { capabilities: { extensions: { [CLIENT_CREDENTIALS_EXTENSION]: {} } } },
  );

  server.registerTool(
    'check_balance',
    {
      title: 'Check a balance',
      description: `A customer's wallet id and balance in minor units (cents). Needs the scope ${SCOPES.readUsers}.`,
      inputSchema: CheckBalanceRequest,
      outputSchema: Balance,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    ({ customerId }) =>
      guarded('check_balance', caller, logger, async () => {
        // A tenant's agent reaches its tenant's wallets only, as at the REST door.
        const balance = await wallets.checkBalance(customerId, callerTenant(caller));
        if (!balance) return toolError(`customer_not_found: No wallet for customer ${customerId}`);
        return result(balance, `${balance.customerName}: ${String(balance.walletBalance)} cents in wallet ${balance.walletId}`);
      }),
  );

  server.registerTool(
    'debit',
    {
      title: 'Pay from a wallet',
      description:
        `Moves amount (minor units, a positive integer) from the customer's wallet to destinationWalletId, another wallet of this server. ` +
        'idempotencyKey is unique per payment (e.g. a UUID): retrying with the same key and arguments returns the first result and moves ' +
        `the money once. Needs the scope ${SCOPES.writeWallets}.`,
      inputSchema: DebitToolInput,
      outputSchema: Debited,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    ({ idempotencyKey, ...request }) =>
      guarded('debit', caller, logger, async () => {
        // The same ledger and the same caller-scoped keys as POST /api/debit: one key is one debit through either door.
        const outcome = await wallets.debit({ clientId: caller.client_id, idempotencyKey, request, tenantId: callerTenant(caller) });
        if (outcome.status !== 'debited') {
          const refusal = debitRefusal(outcome, request);
          return toolError(`${refusal.code}: ${refusal.message}`);
        }
        const { transactionId, walletBalance } = outcome.response;
        const note = outcome.replayed ? ' (a replay of the first debit with this key: no money moved now)' : '';
        return result({ transactionId, walletBalance, replayed: outcome.replayed }, `Debited; transaction ${transactionId}${note}`);
      }),
  );

  return server;
}

/**
 * Runs a tool for a caller holding its scope (checked again here: a tool never trusts that the HTTP
 * layer ran). An unexpected error becomes a generic tool error: the SDK would otherwise send its message.
 */
async function guarded(tool: string, caller: M2MIdentity, logger: Logger, run: () => CallToolResult | Promise<CallToolResult>) {
  const scope = TOOL_SCOPES[tool] ?? '';
  if (!hasScopes(caller.scopes, [scope])) return toolError(`insufficient_scope: ${tool} needs a token with the scope ${scope}`);
  try {
    return await run();
  } catch (err) {
    if (err instanceof ServiceError && err.expose) return toolError(`${err.code}: ${err.message}`);
    logger.error({ err, tool, client_id: caller.client_id }, 'MCP tool failed');
    return toolError('internal_error: the wallet could not complete this call; retry later (with the same idempotencyKey for a debit)');
  }
}

function result(structured: object, text: string): CallToolResult {
  return { structuredContent: { ...structured }, content: [{ type: 'text', text }] };
}

function toolError(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }] };
}
