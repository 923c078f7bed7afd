/**
 * The load generator's own process: reads a list of LoadSpecs (JSON) on stdin, runs each in turn
 * (its warm-up, then its measured run) with autocannon (one per server when a load is spread over several), and prints the LoadResults as one JSON
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

function options(spec: LoadSpec, phase: 'warmup' | 'measure', url = spec.url, connections = spec.connections): autocannon.Options {
  const request: autocannon.Request = {
    method: spec.method,
    path: spec.path,
    headers: spec.headers ?? {},
    ...(spec.body === undefined ? {} : { body: spec.body }),
  };
  const unique = spec.uniqueHeader;
  const rotate = spec.rotateHeader;
  const bodies = spec.rotateBody;
  if (unique || rotate || bodies) {
    let next = 0;
    request.setupRequest = (req: autocannon.Request) => {
      const headers = { ...req.headers };
      const n = next++;
      if (unique) headers[unique] = randomUUID();
      if (rotate) headers[rotate.name] = rotate.values[n % rotate.values.length] ?? '';
      return { ...req, headers, ...(bodies && { body: bodies[n % bodies.length] ?? '' }) };
    };
  }
  const base: autocannon.Options = {
    url,
    connections,
    pipelining: 1,
    timeout: spec.timeoutSeconds ?? 30,
    requests: [request],
  };
  if (phase === 'warmup') return { ...base, duration: spec.warmupSeconds };
  return spec.amount === undefined ? { ...base, duration: spec.durationSeconds } : { ...base, amount: spec.amount };
}

/** What autocannon reports of one run; the generator's CPU is measured around the run as a whole. */
type Counted = Omit<LoadResult, 'generatorCpuMicros'>;

function summarize(result: autocannon.Result): Counted {
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

/** One run, on `url` alone or split over it and `spreadOver` (one autocannon per server, at the same time). */
async function run(spec: LoadSpec, phase: 'warmup' | 'measure'): Promise<LoadResult> {
  const urls = [spec.url, ...(spec.spreadOver ?? [])];
  const connections = Math.max(1, Math.round(spec.connections / urls.length));
  const cpuBefore = process.cpuUsage();
  const parts = await Promise.all(urls.map((url) => autocannon(options(spec, phase, url, connections))));
  const cpu = process.cpuUsage(cpuBefore);
  return { ...combine(parts.map(summarize)), generatorCpuMicros: cpu.user + cpu.system };
}

/** The servers' results as one: requests and counts add up; the latencies are the slowest server's. */
function combine(parts: Counted[]): Counted {
  const [first, ...rest] = parts;
  if (!first) throw new Error('no load result');
  if (rest.length === 0) return first;
  const sum = (pick: (r: Counted) => number) => parts.reduce((n, r) => n + pick(r), 0);
  const max = (pick: (r: Counted) => number) => Math.max(...parts.map(pick));
  const statusCodes: Record<string, number> = {};
  for (const r of parts) for (const [code, count] of Object.entries(r.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + count;
  const durationSeconds = max((r) => r.durationSeconds);
  const requests = sum((r) => r.requests);
  return {
    requests,
    durationSeconds,
    requestsPerSecond: sum((r) => r.requestsPerSecond),
    latencyMs: {
      p50: max((r) => r.latencyMs.p50),
      p90: max((r) => r.latencyMs.p90),
      p99: max((r) => r.latencyMs.p99),
      max: max((r) => r.latencyMs.max),
    },
    statusCodes,
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
  };
}

async function main(): Promise<void> {
  const specs = JSON.parse(await readStdin()) as LoadSpec[];
  const results: LoadResult[] = [];
  for (const spec of specs) {
    if (spec.warmupSeconds > 0 && spec.amount === undefined) await run(spec, 'warmup');
    results.push(await run(spec, 'measure'));
  }
  process.stdout.write(JSON.stringify(results) + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`autocannon worker failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
