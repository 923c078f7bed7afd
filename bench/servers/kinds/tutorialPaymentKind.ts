import { closeServer, createStytchClient, listen, type StytchProject } from '@m2m/shared';
import { createTutorialPaymentApp } from '../../apps/tutorialPaymentApp';
import { defineKind } from '../hostedKind';

export interface TutorialPaymentOptions {
  stytchProject: StytchProject;
  walletServerUrl: string;
  clientId: string;
  clientSecret: string;
}

/** Scenario 2's baseline: the payment flow with the tutorial's token cache. */
export const tutorialPaymentKind = defineKind<TutorialPaymentOptions, { url: string }>(async (options) => {
  const app = createTutorialPaymentApp({
    stytchClient: createStytchClient(options.stytchProject),
    walletServerUrl: options.walletServerUrl,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
  });
  const running = await listen(app, 0, '127.0.0.1');
  return { info: { url: running.url }, close: () => closeServer(running.server, 2000) };
});
