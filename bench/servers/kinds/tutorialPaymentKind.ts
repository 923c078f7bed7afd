import { closeServer, createStytchClient, listen, type StytchProject } from '@m2m/shared';
import { createTutorialPaymentApp } from '../../apps/tutorialPaymentApp';
import type { HostedServer } from '../hosted';

export interface TutorialPaymentOptions {
  stytchProject: StytchProject;
  walletServerUrl: string;
  clientId: string;
  clientSecret: string;
}

/** Scenario 2's baseline: the payment flow with the tutorial's token cache. */
export async function startTutorialPayment(options: TutorialPaymentOptions): Promise<HostedServer<{ url: string }>> {
  const app = createTutorialPaymentApp({
    stytchClient: createStytchClient(options.stytchProject),
    walletServerUrl: options.walletServerUrl,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
  });
  const running = await listen(app, 0, '127.0.0.1');
  return { info: { url: running.url }, close: () => closeServer(running.server, 2000) };
}
