/**
 * The load generator's own process: reads a list of LoadSpecs (JSON) on stdin, runs each in turn
 * (its warm-up, then its measured run) with autocannon, and prints the LoadResults as one JSON
 * array on stdout. One process for a whole schedule, so that interleaved rounds cost no start-up.
 * Run by runLoad.ts as `node --import tsx bench/load/autocannonWorker.ts`.
 */
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import type { LoadResult, LoadSpec } from './loadSpec';

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (chunk: Buffer) => chunks.push(chunk));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

function options(spec: LoadSpec, phase: 'warmup' | 'measure'): autocannon.Options {
  const request: autocannon.Request = {
    method: spec.method,
    path: spec.path,
    headers: spec.headers ?? {},
    ...(spec.body === undefined ? {} : { body: spec.body }),
  };
  const unique = spec.uniqueHeader;
  const rotate = spec.rotateHeader;
  if (unique || rotate) {
    let next = 0;
    request.setupRequest = (req: autocannon.Request) => {
      const headers = { ...req.headers };
      if (unique) headers[unique] = randomUUID();
      if (rotate) headers[rotate.name] = rotate.values[next++ % rotate.values.length] ?? '';
      return { ...req, headers };
    };
  }
  const base: autocannon.Options = {
    url: spec.url,
    connections: spec.connections,
    pipelining: 1,
    timeout: spec.timeoutSeconds ?? 30,
    requests: [request],
  };
  if (phase === 'warmup') return { ...base, duration: spec.warmupSeconds };
  return spec.amount === undefined ? { ...base, duration: spec.durationSeconds } : { ...base, amount: spec.amount };
}

function summarize(result: autocannon.Result): LoadResult {
  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stat.count ?? 0;
  const requests = result.requests.total;
  return {
    requests,
    durationSeconds: result.duration,
    requestsPerSecond: result.duration > 0 ? requests / result.duration : 0,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    statusCodes,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

async function main(): Promise<void> {
  const specs = JSON.parse(await readStdin()) as LoadSpec[];
  const results: LoadResult[] = [];
  for (const spec of specs) {
    if (spec.warmupSeconds > 0 && spec.amount === undefined) await autocannon(options(spec, 'warmup'));
    results.push(summarize(await autocannon(options(spec, 'measure'))));
  }
  process.stdout.write(JSON.stringify(results) + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`autocannon worker failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
