import http from 'node:http';
import axios from 'axios';
import { WalletClient } from '@m2m/payment-server';

export interface CallCost {
  /** CPU of the calling process per call (user + system, every thread), microseconds. */
  cpuMicrosPerCall: number;
  callsPerSecond: number;
}

type Call = () => Promise<unknown>;

/**
 * What one check-balance call costs the caller: the payment-server's WalletClient (node:http, its
 * answer checked against the contract) against axios configured as the WalletClient configured it
 * before (keep-alive agent with the same settings, JSON body, all statuses resolved, the answer
 * parsed but not checked), the client the project started with. Runs in the bench's own process,
 * ABBA, so that a change in the machine's load weighs on both; the wallet's side is the same for both.
 */
export async function measureWalletCallCost(
  baseUrl: string,
  token: string,
  customerId: string,
  { calls, concurrency }: { calls: number; concurrency: number },
): Promise<{ axios: CallCost; walletClient: CallCost }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });
  const client = axios.create({
    baseURL: baseUrl,
    httpAgent: agent,
    validateStatus: () => true,
    transitional: { clarifyTimeoutError: true },
    maxRedirects: 0,
    timeout: 30_000,
    headers: { 'Content-Type': 'application/json' },
  });
  const wallet = new WalletClient({
    baseUrl,
    timeoutMs: 30_000,
    tokens: { getToken: () => Promise.resolve(token), invalidate: () => false },
  });
  const viaAxios: Call = async () => {
    const res = await client.post('/api/check-balance', { customerId }, { headers: { Authorization: `Bearer ${token}` } });
    if (res.status !== 200) throw new Error(`axios: the wallet answered ${res.status}`);
  };
  const viaWalletClient: Call = () => wallet.checkBalance(customerId);
  try {
    await run(viaAxios, concurrency * 10, concurrency); // warm-up: JIT and sockets
    await run(viaWalletClient, concurrency * 10, concurrency);
    const totals = { axios: { cpu: 0, seconds: 0, calls: 0 }, walletClient: { cpu: 0, seconds: 0, calls: 0 } };
    for (const name of ['axios', 'walletClient', 'walletClient', 'axios'] as const) {
      const measured = await run(name === 'axios' ? viaAxios : viaWalletClient, calls / 4, concurrency);
      totals[name].cpu += measured.cpuMicros;
      totals[name].seconds += measured.seconds;
      totals[name].calls += calls / 4;
    }
    const cost = (t: { cpu: number; seconds: number; calls: number }): CallCost => ({
      cpuMicrosPerCall: t.cpu / t.calls,
      callsPerSecond: t.calls / t.seconds,
    });
    return { axios: cost(totals.axios), walletClient: cost(totals.walletClient) };
  } finally {
    agent.destroy();
    wallet.close();
  }
}

async function run(call: Call, calls: number, concurrency: number): Promise<{ cpuMicros: number; seconds: number }> {
  let started = 0;
  const cpuBefore = process.cpuUsage();
  const start = process.hrtime.bigint();
  const worker = async (): Promise<void> => {
    while (started < calls) {
      started++;
      await call();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const cpu = process.cpuUsage(cpuBefore);
  return { cpuMicros: cpu.user + cpu.system, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}
