/**
 * An AI agent's side of the wallet: an MCP client that authenticates with OAuth 2.0 client
 * credentials and pays. It is given only the wallet's MCP URL and its own credentials; the
 * authorization server comes from the wallet itself (MCP authorization spec, RFC 9728):
 *
 *   POST /mcp without a token       → 401, WWW-Authenticate: Bearer resource_metadata="…"
 *   GET  that metadata              → { resource, authorization_servers: [AS] }
 *   GET  AS/.well-known/oauth-authorization-server → token_endpoint
 *   POST token_endpoint             grant_type=client_credentials, Basic auth, scope, resource=<wallet>
 *   POST /mcp with Bearer <token>   (a token bound to the wallet by `resource`)
 *
 * All of that is the MCP SDK's own ClientCredentialsProvider, the client side of the
 * `io.modelcontextprotocol/oauth-client-credentials` extension: it follows the metadata
 * wherever it points, sends RFC 8707 `resource`, and fetches a new token on a 401.
 */
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

export interface WalletAgentOptions {
  /** The wallet's MCP endpoint, e.g. http://127.0.0.1:4000/mcp. */
  mcpUrl: string;
  clientId: string;
  clientSecret: string;
  /**
   * The authorization server these credentials belong to. The SDK refuses to send them to any
   * other, so a wallet (or anyone posing as one) can't redirect them elsewhere.
   */
  issuer: string;
  /** The scopes to ask for; default both of the wallet's (read:users for check_balance, write:wallets for debit). */
  scope?: string;
}

export async function connectWalletAgent({ mcpUrl, clientId, clientSecret, issuer, scope }: WalletAgentOptions): Promise<Client> {
  const authProvider = new ClientCredentialsProvider({
    clientId,
    clientSecret,
    clientName: 'wallet-agent',
    scope: scope ?? 'read:users write:wallets',
    expectedIssuer: issuer,
  });
  const client = new Client({ name: 'wallet-agent', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider }));
  return client;
}

export interface Payment {
  customerId: string;
  amount: number;
  destinationWalletId: string;
  /** One per payment; the same key when retrying it, so the money moves once. */
  idempotencyKey: string;
}

export interface PaymentResult {
  transactionId: string;
  walletBalance: number;
  replayed: boolean;
}

/** Calls the wallet's debit tool; a refusal (insufficient funds, unknown wallet...) is thrown with the wallet's text. */
export async function pay(client: Client, payment: Payment): Promise<PaymentResult> {
  const result = await client.callTool({ name: 'debit', arguments: { ...payment } });
  if (result.isError) throw new Error(`debit refused: ${textOf(result.content)}`);
  return result.structuredContent as PaymentResult;
}

function textOf(content: unknown): string {
  return Array.isArray(content)
    ? content.map((part: { text?: unknown }) => (typeof part.text === 'string' ? part.text : '')).join(' ')
    : '';
}
