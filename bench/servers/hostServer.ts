import { fork } from 'node:child_process';
import path from 'node:path';
import type { KindName, KindOf } from './kinds';
import type { FromServer, ServerStats, ToServer } from './hosted';

type OptionsOf<K extends KindName> = Parameters<KindOf<K>>[0];
type InfoOf<K extends KindName> = Awaited<ReturnType<KindOf<K>>>['info'];

/** The bench's handle on a server running in a child process. */
export interface ServerProcess<Info> {
  info: Info;
  pid: number;
  /** `gc`: after a full garbage collection in the server's process. */
  stats(options?: { gc?: boolean }): Promise<ServerStats>;
  close(): Promise<void>;
}

const HOST = path.join(__dirname, 'serverHost.ts');
const START_TIMEOUT_MS = 30_000;
const CLOSE_TIMEOUT_MS = 15_000;

/**
 * Starts a server of the given kind in its own Node process. Its stdout is drained and dropped
 * (it is real output, e.g. the tutorial's console.log per request, so it must cost what it costs);
 * the tail of stderr is kept for error messages.
 */
export function hostServer<K extends KindName>(kind: K, options: OptionsOf<K>): Promise<ServerProcess<InfoOf<K>>> {
  const child = fork(HOST, [], {
    execArgv: ['--conditions=@m2m/source', '--import', 'tsx', '--expose-gc', ...profileFlags(process.env.BENCH_CPU_PROFILE_DIR)],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let stderrTail = '';
  child.stdout?.resume();
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString('utf8')).slice(-4000);
  });
  const send = (message: ToServer) => child.send(message);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // The child answers stats in the order they were asked.
  const statsWaiters: { resolve(stats: ServerStats): void; reject(err: Error): void }[] = [];

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${kind} server did not start within ${START_TIMEOUT_MS} ms: ${stderrTail}`));
    }, START_TIMEOUT_MS);

    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const err = new Error(`${kind} server process exited (code ${code}, signal ${signal}): ${stderrTail.trim()}`);
      for (const waiter of statsWaiters.splice(0)) waiter.reject(err);
      reject(err);
    });

    child.on('message', (message: FromServer) => {
      switch (message.type) {
        case 'started':
          clearTimeout(timer);
          resolve({
            info: message.info as InfoOf<K>,
            pid: child.pid ?? -1,
            stats: (options) =>
              new Promise((res, rej) => {
                statsWaiters.push({ resolve: res, reject: rej });
                send({ type: 'stats', gc: options?.gc ?? false });
              }),
            close: async () => {
              if (child.exitCode !== null || child.signalCode !== null) return;
              const force = setTimeout(() => child.kill('SIGKILL'), CLOSE_TIMEOUT_MS);
              send({ type: 'close' });
              await exited;
              clearTimeout(force);
            },
          });
          return;
        case 'failed':
          clearTimeout(timer);
          child.kill('SIGKILL');
          reject(new Error(`${kind} server failed to start: ${message.message}`));
          return;
        case 'stats':
          statsWaiters.shift()?.resolve(message.stats);
          return;
      }
    });

    send({ type: 'start', kind, options });
  });
}

/** BENCH_CPU_PROFILE_DIR=<dir>: each server process writes a V8 CPU profile there when it exits (open it in Chrome's DevTools). */
function profileFlags(dir: string | undefined): string[] {
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}
