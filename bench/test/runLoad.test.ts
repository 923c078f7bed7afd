import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { runLoad } from '../load/runLoad';
import { CORES } from '../lib/cpuBudget';

describe('the load generator', () => {
  let server: http.Server;
  let url: string;
  beforeAll(async () => {
    server = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('reports what it sent and the CPU its own process spent sending it', async () => {
    const startedAt = process.hrtime.bigint();
    const result = await runLoad({ url, method: 'GET', path: '/', connections: 4, durationSeconds: 0, warmupSeconds: 0, amount: 500 });
    const wallMicros = Number(process.hrtime.bigint() - startedAt) / 1000;

    expect(result.requests).toBe(500);
    expect(result.statusCodes).toEqual({ '200': 500 });
    // Some CPU for 500 requests, and no more than every core for as long as the whole call took.
    expect(result.generatorCpuMicros).toBeGreaterThan(0);
    expect(result.generatorCpuMicros).toBeLessThan(wallMicros * CORES);
  });
});
