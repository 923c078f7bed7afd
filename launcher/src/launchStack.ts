import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { Writable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { common, parseEnv, reachableHost, type Env } from '@m2m/shared/config';
import { PortInUseError } from '@m2m/shared/lifecycle';
import { httpProbe } from './httpProbe';
import { relayLines } from './logLines';
import { stackServices, type Service } from './services';

export interface StackOptions {
  /** The environment every server gets (the caller has merged .env into it). */
  env: Env;
  /** Where the servers' log lines go. */
  output: Writable;
  pretty: boolean;
  /** How long each server may take to answer /readyz. */
  readyTimeoutMs?: number;
}

export interface RunningStack {
  services: (Service & { url: string })[];
  /** Stops every server, the last started first, so in-flight payments finish while the wallet is still up. */
  stop(): Promise<void>;
  /** Resolves with the name and exit code of the first server that exits on its own. */
  died: Promise<{ name: string; code: number | null }>;
}

export class StackError extends Error {
  override name = 'StackError';
}

/** Starts the stack the way `npm start` does: one child process per server, each ready before the next. */
export async function launchStack({ env, output, pretty, readyTimeoutMs = 60_000 }: StackOptions): Promise<RunningStack> {
  const config = parseEnv(common, env);
  const services = stackServices(config);
  for (const s of services) await assertPortFree(s, config.HOST);

  const children: { service: Service; child: ChildProcess; exited: Promise<number | null> }[] = [];
  let stopping = false;
  let reportDeath!: (death: { name: string; code: number | null }) => void;
  const died = new Promise<{ name: string; code: number | null }>((resolve) => (reportDeath = resolve));

  const stop = async () => {
    stopping = true;
    for (const { child, exited } of [...children].reverse()) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const done = await Promise.race([exited.then(() => true), delay(15_000).then(() => false)]);
      if (!done) child.kill('SIGKILL');
    }
  };

  try {
    for (const service of services) {
      const child = spawn(process.execPath, ['--conditions=@m2m/source', '--import', 'tsx', service.entry], {
        cwd: service.entry.replace(/[/\\]src[/\\]main\.ts$/, ''),
        env: { ...env, FORCE_COLOR: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      relayLines(child.stdout, output, { label: service.label, name: service.name, pretty, level: 30 });
      relayLines(child.stderr, output, { label: service.label, name: service.name, pretty, level: 50 });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      void exited.then((code) => {
        if (!stopping) reportDeath({ name: service.name, code });
      });
      children.push({ service, child, exited });
      await waitUntilReady(service, reachableHost(config.HOST), exited, readyTimeoutMs);
    }
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    services: services.map((s) => ({ ...s, url: `http://${reachableHost(config.HOST)}:${s.port}/` })),
    stop,
    died,
  };
}

async function assertPortFree(service: Service, host: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new PortInUseError(`Port ${service.port} (${service.name}) is already in use: set ${service.portVariable} to another port`)
          : err,
      ),
    );
    probe.listen(service.port, host, () => probe.close(() => resolve()));
  });
}

async function waitUntilReady(service: Service, host: string, exited: Promise<number | null>, timeoutMs: number): Promise<void> {
  const url = `http://${host}:${service.port}/readyz`;
  const deadline = Date.now() + timeoutMs;
  let gone: number | null | undefined;
  void exited.then((code) => (gone = code));
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (gone !== undefined) throw new StackError(`${service.name} exited with code ${gone} before it was ready (see its log above)`);
    const probe = await httpProbe(url, 1_000);
    if (probe.ok) return;
    last = probe.reason;
    await delay(200);
  }
  throw new StackError(`${service.name} was not ready at ${url} within ${timeoutMs / 1000} s (last probe: ${last})`);
}
