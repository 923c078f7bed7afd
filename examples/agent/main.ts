/**
 * The agent from a shell: lists the wallet's tools, checks a balance, pays, and retries the
 * payment with the same idempotency key (the wallet replays it: the money moves once).
 * Settings come from the environment (examples/agent/README.md); one JSON line per step on stdout.
 */
import { randomUUID } from 'node:crypto';
import { connectWalletAgent, pay } from './walletAgent';

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`Set ${name} (see examples/agent/README.md)`);
    process.exit(2);
  }
  return value;
}

async function main(): Promise<void> {
  const client = await connectWalletAgent({
    mcpUrl: process.env.WALLET_MCP_URL ?? 'http://127.0.0.1:4000/mcp',
    clientId: required('AGENT_CLIENT_ID'),
    clientSecret: required('AGENT_CLIENT_SECRET'),
    issuer: required('AGENT_ISSUER'),
  });
  const say = (step: string, details: unknown) => {
    console.log(JSON.stringify({ step, ...(details as object) }));
  };
  try {
    const { tools } = await client.listTools();
    say('tools', { tools: tools.map((tool) => tool.name) });

    const customerId = process.env.CUSTOMER_ID ?? '67uhjio098uhgt6l';
    const balance = await client.callTool({ name: 'check_balance', arguments: { customerId } });
    say('balance', { balance: balance.structuredContent });

    const payment = {
      customerId,
      amount: Number(process.env.AMOUNT ?? '100'),
      destinationWalletId: process.env.DESTINATION_WALLET_ID ?? 'ui099jlolrrao6g',
      idempotencyKey: process.env.IDEMPOTENCY_KEY ?? randomUUID(),
    };
    say('paid', { idempotencyKey: payment.idempotencyKey, ...(await pay(client, payment)) });
    // A network failure after paying would leave the agent unsure: it retries with the same key.
    say('retried', { idempotencyKey: payment.idempotencyKey, ...(await pay(client, payment)) });
  } finally {
    await client.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
