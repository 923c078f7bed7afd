import { randomUUID } from 'node:crypto';
import express, { type Express } from 'express';
import type * as stytch from 'stytch';
import { tutorialTokenCache } from '../baselines/tutorialTokenCache';

export interface TutorialPaymentDeps {
  stytchClient: stytch.Client;
  clientId: string;
  clientSecret: string;
  walletServerUrl: string;
}

/**
 * The scenario-2 baseline: the same payment flow as our payment-server (check-balance with a
 * read:users token, then the debit with a write:wallets token) but with the tutorial's token cache.
 * Only the token cache differs, so the token-request counts compare.
 */
export function createTutorialPaymentApp(deps: TutorialPaymentDeps): Express {
  const getToken = tutorialTokenCache(deps.stytchClient, deps.clientId, deps.clientSecret);
  const wallet = (route: string) => new URL(route, deps.walletServerUrl).toString();
  const app = express();
  app.use(express.json());
  app.post('/initiate-payment', async (req, res) => {
    const { customerId, debitAmount, destinationWalletId } = req.body as {
      customerId: string;
      debitAmount: number;
      destinationWalletId: string;
    };
    const readToken = await getToken(['read:users']);
    const balance = await fetch(wallet('/api/check-balance'), {
      method: 'POST',
      headers: { authorization: `Bearer ${readToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ customerId }),
    });
    if (!balance.ok) {
      res.status(502).json({ error: `check-balance answered ${balance.status}` });
      return;
    }
    const writeToken = await getToken(['write:wallets']);
    const debit = await fetch(wallet('/api/debit'), {
      method: 'POST',
      headers: { authorization: `Bearer ${writeToken}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({ customerId, amount: debitAmount, destinationWalletId }),
    });
    res.status(debit.ok ? 200 : 502).json(await debit.json());
  });
  return app;
}
