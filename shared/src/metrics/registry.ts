import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * Every app builds its own registry (apps are made by factories, and tests run several in one
 * process: prom-client's global registry would refuse the second app's metrics). Process metrics
 * (CPU, memory, event loop, GC) describe the process, not an app: one registry of them per
 * process, made on the first scrape, is added to every app's answer.
 */
export function newMetricsRegistry(): Registry {
  return new Registry();
}

let processRegistry: Registry | undefined;

function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** The Prometheus text exposition of an app's registry and the process metrics. */
export async function renderMetrics(registry: Registry): Promise<{ contentType: string; body: string }> {
  const merged = Registry.merge([registry, processMetrics()]);
  return { contentType: merged.contentType, body: await merged.metrics() };
}
