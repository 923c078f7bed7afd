import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { callStytch, clientView, ServiceError, type Logger } from '@m2m/shared';
import { ClientIdParam, SearchClientsRequest } from './clientSchemas';
import type { OperatorMcpDeps } from './operatorMcp';

const ClientList = z.object({ m2m_clients: z.array(z.record(z.string(), z.unknown())), next_cursor: z.string().nullable() });

/** The M2M clients as read-only MCP tools, for one request (the endpoint is stateless: a server per request). */
export function operatorMcpServer({ stytch, rotation, logger }: OperatorMcpDeps): McpServer {
  const server = new McpServer({ name: 'payment-server-operator', version: '1.0.0' });
  const readOnly = { readOnlyHint: true, openWorldHint: false };

  server.registerTool(
    'search_clients',
    {
      title: 'Search M2M clients',
      description:
        "Stytch's M2M client search: query { operator: AND | OR, operands: [{ filter_name: client_id | client_name | scopes, filter_value: [...] }] }, " +
        'limit, cursor. Shows no secret, only last fours; a client rotating its secret has next_client_secret_last_four set.',
      inputSchema: SearchClientsRequest,
      outputSchema: ClientList,
      annotations: readOnly,
    },
    (search) =>
      guarded('search_clients', logger, async () => {
        const found = await callStytch(() => stytch.m2m.clients.search(search));
        const m2m_clients = found.m2m_clients.map(clientView);
        const next_cursor = found.results_metadata.next_cursor || null;
        return result(
          { m2m_clients, next_cursor },
          `${String(m2m_clients.length)} client(s): ${m2m_clients.map((c) => c.client_name).join(', ')}`,
        );
      }),
  );

  server.registerTool(
    'get_client',
    {
      title: 'Read an M2M client',
      description: 'One M2M client by client_id: name, status, scopes, trusted_metadata and the last fours of its secrets.',
      inputSchema: z.strictObject({ client_id: ClientIdParam }),
      annotations: readOnly,
    },
    ({ client_id }) =>
      guarded('get_client', logger, async () => {
        const { m2m_client } = await callStytch(() => stytch.m2m.clients.get({ client_id }));
        const view = clientView(m2m_client);
        return result({ m2m_client: view }, `${view.client_name} (${view.client_id}): ${view.status}, scopes ${view.scopes.join(' ')}`);
      }),
  );

  server.registerTool(
    'secret_rotation_status',
    {
      title: "The payment-server's secret rotation",
      description:
        "Whether the payment-server's own client is between rotation start and complete, and which secret it uses now (last fours only).",
      annotations: readOnly,
    },
    () =>
      guarded('secret_rotation_status', logger, () => {
        const status = rotation.status();
        return result({ ...status }, `rotation ${status.rotation}; in use: ${status.in_use}`);
      }),
  );

  return server;
}

/** A tool's failure as a tool error: an exposed ServiceError's text (Stytch's 4xx), else a generic one (logged, never sent). */
async function guarded(tool: string, logger: Logger, run: () => CallToolResult | Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof ServiceError && err.expose) return toolError(`${err.code}: ${err.message}`);
    logger.error({ err, tool }, 'operator MCP tool failed');
    return toolError('internal_error: the call failed on our side; retry later');
  }
}

function result(structured: object, text: string): CallToolResult {
  return { structuredContent: { ...structured }, content: [{ type: 'text', text }] };
}

function toolError(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }] };
}
