import { at, bearer, get } from './http';

/** One sample of a Prometheus text exposition: `name{label="value",...} value`. */
export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The bearer secret the suites give every server (METRICS_TOKEN). */
export const METRICS_TOKEN = 'suite-metrics-token-0123456789abcdefghijklmnop';

/** GET /metrics with the token; the answer's text and its samples. Throws unless it is a 200. */
export async function scrape(baseUrl: string, token = METRICS_TOKEN): Promise<Scrape> {
  const answer = await get(at(baseUrl, '/metrics'), { authorization: bearer(token) });
  if (answer.status !== 200) throw new Error(`GET /metrics answered ${answer.status}: ${answer.text}`);
  return new Scrape(answer.text, answer.headers.get('content-type') ?? '');
}

export class Scrape {
  readonly samples: MetricSample[];

  constructor(
    readonly text: string,
    readonly contentType: string,
  ) {
    this.samples = parseExposition(text);
  }

  /** The value of the sample with this name and exactly these labels; 0 when there is none (a counter not yet counted). */
  value(name: string, labels: Record<string, string> = {}): number {
    const wanted = Object.entries(labels);
    const sample = this.samples.find(
      (s) => s.name === name && Object.keys(s.labels).length === wanted.length && wanted.every(([k, v]) => s.labels[k] === v),
    );
    return sample?.value ?? 0;
  }

  /** Every value a label takes across the samples of `name`. */
  labelValues(name: string, label: string): string[] {
    return [...new Set(this.samples.filter((s) => s.name === name && label in s.labels).map((s) => s.labels[label] ?? ''))];
  }
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function parseExposition(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const [, name = '', labelText = '', value = ''] = match;
    const labels: Record<string, string> = {};
    for (const [, key = '', raw = ''] of labelText.matchAll(LABEL))
      labels[key] = raw.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name, labels, value: Number(value) });
  }
  return samples;
}
