/**
 * Child-process entry: hosts one server (see kinds.ts) so that it has its own event loop and its
 * own RSS, apart from the bench and from the load generator. Driven over the IPC channel.
 */
import { kinds } from './kinds';
import type { HostedServer } from './hostedKind';
import type { FromHost, HostStats, ToHost } from './protocol';

let hosted: HostedServer<unknown> | undefined;

function send(message: FromHost): void {
  process.send?.(message);
}

function stats(): HostStats {
  const memory = process.memoryUsage();
  const cpu = process.cpuUsage();
  return { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, cpuMicros: cpu.user + cpu.system, extra: hosted?.stats?.() ?? {} };
}

async function handle(message: ToHost): Promise<void> {
  switch (message.type) {
    case 'start': {
      if (!Object.hasOwn(kinds, message.kind)) {
        send({ type: 'failed', message: `unknown server kind ${message.kind}` });
        return;
      }
      try {
        const kind = await kinds[message.kind as keyof typeof kinds]();
        // Each kind checks its own options; the bench passes what kinds.ts declares.
        hosted = await (kind.start as (options: unknown) => Promise<HostedServer<unknown>>)(message.options);
        send({ type: 'started', info: hosted.info });
        return;
      } catch (err) {
        send({ type: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
        return;
      }
    }
    case 'stats': {
      send({ type: 'reply', id: message.id, ok: true, value: stats() });
      return;
    }
    case 'command': {
      const command = hosted?.commands?.[message.name];
      if (!command) {
        send({ type: 'reply', id: message.id, ok: false, message: `no command ${message.name}` });
        return;
      }
      try {
        send({ type: 'reply', id: message.id, ok: true, value: await command(message.args) });
        return;
      } catch (err) {
        send({ type: 'reply', id: message.id, ok: false, message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
        return;
      }
    }
    case 'close':
      await hosted?.close();
      send({ type: 'closed' });
      process.disconnect();
      return;
  }
}

process.on('message', (message: ToHost) => {
  void handle(message);
});
// If the bench dies, do not linger.
process.on('disconnect', () => process.exit(0));
