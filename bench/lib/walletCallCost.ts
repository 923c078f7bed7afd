import http from 'node:http';
import axios from 'axios';
import { createKeepAliveClient } from './keepAliveHttp';

export interface CallCost {
  /** CPU of the calling process per call (user + system, every thread), microseconds. */
  cpuMicrosPerCall: number;
  callsPerSecond: number;
}

type Call = () => Promise<unknown>;

/**
 * What one wallet call costs the caller with axios, configured as the payment-server's WalletClient
 * configures it (keep-alive agent, JSON body, all statuses resolved), against node:http with the same
 * keep-alive agent settings and a JSON.parse of the answer. Runs in the bench's own process, ABBA, so
 * that a change in the machine's load weighs on both; the wallet's side is the same for both.
 */
export async function measureWalletCallCost(
  baseUrl: string,
  path: string,
  headers: Record<string, string>,
  body: unknown,
  { calls, concurrency }: { calls: number; concurrency: number },
): Promise<{ axios: CallCost; nodeHttp: CallCost }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });
  const client = axios.create({ baseURL: baseUrl, httpAgent: agent, validateStatus: () => true, maxRedirects: 0, timeout: 30_000 });
  const lean = createKeepAliveClient(128);
  const url = new URL(path, baseUrl).toString();
  const json = JSON.stringify(body);
  const viaAxios: Call = async () => {
    const res = await client.post(path, body, { headers: { ...headers, 'Content-Type': 'application/json' } });
    if (res.status !== 200) throw new Error(`axios: the wallet answered ${res.status}`);
  };
  const viaNodeHttp: Call = async () => {
    const res = await lean.request(url, 'POST', { ...headers, 'content-type': 'application/json' }, json);
    if (res.status !== 200) throw new Error(`node:http: the wallet answered ${res.status}`);
    JSON.parse(res.body);
  };
  try {
    await run(viaAxios, concurrency * 10, concurrency); // warm-up: JIT and sockets
    await run(viaNodeHttp, concurrency * 10, concurrency);
    const totals = { axios: { cpu: 0, seconds: 0, calls: 0 }, nodeHttp: { cpu: 0, seconds: 0, calls: 0 } };
    for (const name of ['axios', 'nodeHttp', 'nodeHttp', 'axios'] as const) {
      const measured = await run(name === 'axios' ? viaAxios : viaNodeHttp, calls / 4, concurrency);
      totals[name].cpu += measured.cpuMicros;
      totals[name].seconds += measured.seconds;
      totals[name].calls += calls / 4;
    }
    const cost = (t: { cpu: number; seconds: number; calls: number }): CallCost => ({
      cpuMicrosPerCall: t.cpu / t.calls,
      callsPerSecond: t.calls / t.seconds,
    });
    return { axios: cost(totals.axios), nodeHttp: cost(totals.nodeHttp) };
  } finally {
    agent.destroy();
    lean.close();
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
