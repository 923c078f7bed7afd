import { closeServer, createStytchClient, listen, type StytchProject } from '@m2m/shared';
import { createCheckBalanceApp } from '../../apps/checkBalanceApp';
import { countVerifications } from '../../../test/support/countVerifications';
import { guardFor } from '../../apps/guards';
import type { GuardVariant } from '../../apps/guardVariants';
import type { HostedServer } from '../hosted';

/** Scenario 1: the trivial check-balance handler behind one guard variant; SDK verifications counted. */
export async function startWalletVariant(options: {
  variant: GuardVariant;
  stytchProject: StytchProject;
}): Promise<HostedServer<{ url: string }>> {
  const client = createStytchClient(options.stytchProject);
  const verifications = countVerifications(client);
  const app = createCheckBalanceApp(guardFor(options.variant, client, options.stytchProject, 'read:users'));
  const running = await listen(app, 0, '127.0.0.1');
  return {
    info: { url: running.url },
    close: () => closeServer(running.server, 2000),
    counters: () => ({ verifications: verifications() }),
  };
}
