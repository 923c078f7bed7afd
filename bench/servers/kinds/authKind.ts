import { lowerThreadPoolPriority, startAuthServer } from '@m2m/auth-server';
import { createLogger } from '@m2m/shared';
import { BENCH_LOG_LEVEL, type HostedServer } from '../hosted';

export interface AuthInfo {
  url: string;
  port: number;
  projectId: string;
  projectSecret: string;
}

export interface AuthOptions {
  databaseFile: string;
  tokenLifetimeSeconds?: number;
  /**
   * The URL clients reach it at, when that is not its own (a counting proxy in front). The tokens'
   * `iss` is this URL, and the SDK accepts only its own base URL (or stytch.com/<project>) as issuer.
   */
  publicUrl?: string;
  /** The server's log level; the bench's (warn) when absent. Scenario 3 also measures the default, info. */
  logLevel?: string;
}

export async function startAuth(options: AuthOptions): Promise<HostedServer<AuthInfo>> {
  const auth = await startAuthServer({
    port: 0,
    host: '127.0.0.1',
    databaseFile: options.databaseFile,
    ...(options.tokenLifetimeSeconds === undefined ? {} : { tokenLifetimeSeconds: options.tokenLifetimeSeconds }),
    ...(options.publicUrl === undefined ? {} : { publicUrl: options.publicUrl }),
    // Its default limits stay on: they count failed authentications only, and the bench never fails one.
    logger: createLogger({ name: 'auth-server', level: options.logLevel ?? BENCH_LOG_LEVEL }),
  });
  // As auth-server/src/main.ts does: this process, like the real one, serves nothing but the auth-server.
  await lowerThreadPoolPriority();
  return {
    info: { url: auth.url, port: auth.port, projectId: auth.projectId, projectSecret: auth.projectSecret },
    close: () => auth.close(),
  };
}
