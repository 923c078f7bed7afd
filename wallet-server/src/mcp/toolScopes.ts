import { SCOPES } from '@m2m/shared';

/** Each MCP tool and the scope it needs: the same as its REST route's (mcpRoutes.ts checks it at the HTTP layer first). */
export const TOOL_SCOPES: Readonly<Record<string, string>> = { check_balance: SCOPES.readUsers, debit: SCOPES.writeWallets };
