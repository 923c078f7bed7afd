import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestListener } from 'node:http';
import { createServer } from 'node:http';
import { ServiceError } from './errors';
import type { Logger } from './logger';

export interface RunningServer {
  server: Server;
  /** http://host:port/ with a trailing slash */
  url: string;
  port: number;
}

export class PortInUseError extends ServiceError {
  constructor(message: string) {
    super('port_in_use', message);
  }
}

/**
 * Listens and resolves once bound. Port 0 picks an ephemeral port (tests).
 * `portVariable` names the setting to change when the port is taken.
 */
export function listen(app: RequestListener, port: number, host: string, portVariable = 'PORT'): Promise<RunningServer> {
  const server = createServer(app);
  // Keep-alive longer than common proxies' idle timeout, so a reused socket isn't closed under a request.
  server.keepAliveTimeout = 65_000;
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE'
          ? new PortInUseError(`Port ${port} on ${host} is already in use: set ${portVariable} to another port`)
          : err,
      );
    });
    server.listen(port, host, () => {
      const address = server.address() as AddressInfo;
      resolve({ server, port: address.port, url: `http://${host}:${address.port}/` });
    });
  });
}

/**
 * Stops accepting connections and lets in-flight requests finish. Keep-alive sockets are closed as
 * soon as they are idle (a socket whose request just finished becomes idle only then, hence the
 * sweep); after `graceMs` whatever is left is closed.
 */
export function closeServer(server: Server, graceMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    force.unref();
    server.close((err) => {
      clearInterval(sweep);
      clearTimeout(force);
      if (err && (err as NodeJS.ErrnoException).code !== 'ERR_SERVER_NOT_RUNNING') reject(err);
      else resolve();
    });
    server.closeIdleConnections();
  });
}

/** Runs `stop` once on SIGINT or SIGTERM, then exits; a second signal exits at once. */
export function stopOnSignals(stop: () => Promise<void>, logger: Logger): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'shutting down');
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/**
 * Runs a server's start-up; a problem an operator can fix (bad setting, busy port, unusable
 * database) becomes one line on stderr and exit code 1, anything else a stack trace.
 */
export function runMain(name: string, start: () => Promise<void>): void {
  start().catch((err: unknown) => {
    // A ServiceError is a problem we foresaw: its message is the one line; anything else is a bug, with its stack.
    const line = err instanceof ServiceError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stderr.write(`${name}: ${line}\n`);
    process.exit(1);
  });
}
