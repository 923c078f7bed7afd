import { startAuthServer } from '@m2m/auth-server';
import { createLogger } from '@m2m/shared';
import { defineKind } from '../hostedKind';
import { BENCH_LOG_LEVEL } from './logLevel';

export interface AuthInfo {
  url: string;
  port: number;
  projectId: string;
  projectSecret: string;
}

export interface AuthOptions {
  databaseFile: string;
  tokenLifetimeSeconds?: number;
}

export const authKind = defineKind<AuthOptions, AuthInfo>(async (options) => {
  const auth = await startAuthServer({
    port: 0,
    host: '127.0.0.1',
    databaseFile: options.databaseFile,
    ...(options.tokenLifetimeSeconds === undefined ? {} : { tokenLifetimeSeconds: options.tokenLifetimeSeconds }),
    logger: createLogger({ name: 'auth-server', level: BENCH_LOG_LEVEL }),
    // The bench IS a burst of token requests from one IP and one client: lift the brute-force limits.
    rateLimit: { perClientPerMinute: 1_000_000_000, perIpPerMinute: 1_000_000_000 },
  });
  return {
    info: { url: auth.url, port: auth.port, projectId: auth.projectId, projectSecret: auth.projectSecret },
    close: () => auth.close(),
  };
});
