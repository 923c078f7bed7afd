import { authorizeToken, closeServer, createStytchClient, listen, type AuthorizeTokenOptions, type StytchProject } from '@m2m/shared';
import { createCheckBalanceApp } from '../../apps/checkBalanceApp';
import type { HostedServer } from '../hosted';

export interface RevocationProbeOptions {
  stytchProject: StytchProject;
  /** Apps in this process, each with its own SDK client: its own JWKS cache and client-status cache, as separate servers have. */
  apps: number;
  /** The revocation options under test (JSON: they cross the IPC channel); empty means the defaults. */
  authorize: Pick<AuthorizeTokenOptions, 'clientStatus' | 'clientStatusMaxAgeSeconds' | 'jwksMaxAgeSeconds'>;
}

/** Scenario 6: the check-balance handler behind authorizeToken, N times over; the status lookups are counted. */
export async function startRevocationProbe(options: RevocationProbeOptions): Promise<HostedServer<{ urls: string[] }>> {
  let statusLookups = 0;
  const servers = await Promise.all(
    Array.from({ length: options.apps }, async () => {
      const client = createStytchClient(options.stytchProject);
      const get = client.m2m.clients.get.bind(client.m2m.clients);
      client.m2m.clients.get = (...args: Parameters<typeof get>) => {
        statusLookups++;
        return get(...args);
      };
      return listen(createCheckBalanceApp([authorizeToken('read:users', { client, ...options.authorize })]), 0, '127.0.0.1');
    }),
  );
  return {
    info: { urls: servers.map((running) => running.url) },
    close: async () => {
      await Promise.all(servers.map((running) => closeServer(running.server, 2000)));
    },
    counters: () => ({ statusLookups }),
  };
}
