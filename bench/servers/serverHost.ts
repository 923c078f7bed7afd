/**
 * Child-process entry: hosts one server (see kinds.ts) so that it has its own event loop and its
 * own RSS, apart from the bench and from the load generator. Driven over the IPC channel.
 */
import { kinds } from './kinds';
import type { FromServer, HostedServer, ToServer } from './hosted';

let hosted: HostedServer<unknown> | undefined;

const send = (message: FromServer): void => void process.send?.(message);

async function start(kind: string, options: unknown): Promise<void> {
  try {
    if (!Object.hasOwn(kinds, kind)) throw new Error(`unknown server kind ${kind}`);
    // Each kind checks its own options; the bench passes what kinds.ts declares.
    const startKind = (await kinds[kind as keyof typeof kinds]()) as (options: unknown) => Promise<HostedServer<unknown>>;
    hosted = await startKind(options);
    send({ type: 'started', info: hosted.info });
  } catch (err) {
    send({ type: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
}

process.on('message', (message: ToServer) => {
  switch (message.type) {
    case 'start':
      void start(message.kind, message.options);
      return;
    case 'stats': {
      if (message.gc) {
        // Twice: the first pass can leave finalizers whose memory only the second frees.
        globalThis.gc?.();
        globalThis.gc?.();
      }
      const memory = process.memoryUsage();
      const cpu = process.cpuUsage();
      const counters = hosted?.counters?.() ?? {};
      send({ type: 'stats', stats: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, cpuMicros: cpu.user + cpu.system, counters } });
      return;
    }
    case 'close':
      void (hosted?.close() ?? Promise.resolve()).finally(() => process.disconnect());
      return;
  }
});
// If the bench dies, do not linger.
process.on('disconnect', () => process.exit(0));
