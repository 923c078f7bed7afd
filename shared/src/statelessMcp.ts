import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Request, Response } from 'express';

type StreamableHttp = typeof import('@modelcontextprotocol/sdk/server/streamableHttp.js');

/**
 * Answers one MCP Streamable HTTP request statelessly (no Mcp-Session-Id): a server and a transport
 * for this request, closed with it. The 2025 revisions make sessions optional and 2026-07-28 removes
 * them; nothing here needs one, since every call carries its own token.
 *
 * `build` makes the request's server. Callers load their tools module (and with it the MCP SDK,
 * about 0.4 s of CPU) on the first MCP request, as this does the transport: a server that no agent
 * calls never pays for it at start-up.
 */
export async function serveStatelessMcp(req: Request, res: Response, build: () => McpServer): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see above
  const { StreamableHTTPServerTransport } = require('@modelcontextprotocol/sdk/server/streamableHttp.js') as StreamableHttp;
  const server = build();
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res, req.body);
}
