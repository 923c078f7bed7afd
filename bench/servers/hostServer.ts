import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { KindName, KindOf } from './kinds';
import type { HostedKind } from './hostedKind';
import type { FromHost, HostStats, ToHost } from './protocol';

type OptionsOf<K extends KindName> = KindOf<K> extends HostedKind<infer O, unknown> ? O : never;
type InfoOf<K extends KindName> = KindOf<K> extends HostedKind<never, infer I> ? I : never;

/** The bench's handle on a server running in a child process. */
export interface ServerProcess<Info> {
  info: Info;
  pid: number;
  stats(): Promise<HostStats>;
  command<T>(name: string, args?: unknown): Promise<T>;
  close(): Promise<void>;
}

const HOST = path.join(__dirname, 'serverHost.ts');
const START_TIMEOUT_MS = 30_000;

/**
 * Starts a server of the given kind in its own Node process. Its stdout is drained and dropped
 * (it is real output, e.g. the tutorial's console.log per request, so it must cost what it costs);
 * the tail of stderr is kept for error messages.
 */
export function hostServer<K extends KindName>(kind: K, options: OptionsOf<K>): Promise<ServerProcess<InfoOf<K>>> {
  const child: ChildProcess = fork(HOST, [], {
    execArgv: ['--conditions=@m2m/source', '--import', 'tsx', '--expose-gc'],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let stderrTail = '';
  child.stdout?.resume();
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString('utf8')).slice(-4000);
  });

  let nextId = 1;
  const pending = new Map<number, { resolve(value: unknown): void; reject(err: Error): void }>();
  let onClosed: (() => void) | undefined;

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${kind} server did not start within ${START_TIMEOUT_MS} ms: ${stderrTail}`));
    }, START_TIMEOUT_MS);

    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const err = new Error(`${kind} server process exited (code ${code}, signal ${signal}): ${stderrTail.trim()}`);
      for (const waiter of pending.values()) waiter.reject(err);
      pending.clear();
      onClosed?.();
      reject(err);
    });

    child.on('message', (message: FromHost) => {
      switch (message.type) {
        case 'started': {
          clearTimeout(timer);
          const request = <T>(body: ToHost): Promise<T> =>
            new Promise<T>((res, rej) => {
              pending.set((body as { id: number }).id, { resolve: res, reject: rej });
              child.send(body);
            });
          resolve({
            info: message.info as InfoOf<K>,
            pid: child.pid ?? -1,
            stats: () => request<HostStats>({ type: 'stats', id: nextId++ }),
            command: <T>(name: string, args?: unknown) => request<T>({ type: 'command', id: nextId++, name, args }),
            close: () =>
              new Promise<void>((res) => {
                if (child.exitCode !== null || child.signalCode !== null) return res();
                const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
                onClosed = () => {
                  clearTimeout(force);
                  res();
                };
                child.send({ type: 'close' } satisfies ToHost);
              }),
          });
          return;
        }
        case 'failed':
          clearTimeout(timer);
          child.kill('SIGKILL');
          reject(new Error(`${kind} server failed to start: ${message.message}`));
          return;
        case 'reply': {
          const waiter = pending.get(message.id);
          pending.delete(message.id);
          if (!waiter) return;
          if (message.ok) waiter.resolve(message.value);
          else waiter.reject(new Error(message.message));
          return;
        }
        case 'closed':
          return;
      }
    });

    child.send({ type: 'start', kind, options } satisfies ToHost);
  });
}
