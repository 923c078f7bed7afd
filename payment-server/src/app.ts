import express, { type Express } from 'express';
import type { Client } from 'stytch';
import { errorHandler, httpLogger, jsonBody, methodNotAllowed, notFound, type Logger, type TrustProxy } from '@m2m/shared';
import { requireAdminKey } from './admin/adminAuth';
import { clientRoutes } from './admin/clientRoutes';
import { operatorMcpRoutes } from './admin/operatorMcp';
import { rotationRoutes } from './admin/rotationRoutes';
import type { SecretRotation } from './credentials/secretRotation';
import { paymentRoutes } from './payments/paymentRoutes';
import type { WalletClient } from './wallet/walletClient';

export interface PaymentAppDeps {
  wallet: Pick<WalletClient, 'checkBalance' | 'debit'>;
  rotation: SecretRotation;
  /** The Stytch SDK with the project's credentials (client admin). */
  stytch: Client;
  adminApiKey: string;
  /** Wrong admin keys one IP may send a minute before 429 (default 10). */
  adminKeyFailuresPerMinute?: number;
  /** Express's `trust proxy` (TRUST_PROXY): whose X-Forwarded-For names the caller. Default off. */
  trustProxy?: TrustProxy;
  /** Payments one caller (client_id) may attempt a minute before 429 (default 600). */
  paymentsPerMinute?: number;
  logger: Logger;
  /** false while shutting down, so a load balancer stops sending traffic before the port closes. */
  isReady?: () => boolean;
}

/** The payment-server as an Express app (it does not listen). */
export function createPaymentApp({
  wallet,
  rotation,
  stytch,
  adminApiKey,
  adminKeyFailuresPerMinute,
  trustProxy = false,
  paymentsPerMinute,
  logger,
  isReady = () => true,
}: PaymentAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', trustProxy);
  app.use(httpLogger(logger));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    if (!isReady()) return void res.status(503).json({ status: 'stopping' });
    res.json({ status: 'ready' });
  });
  app.all(['/healthz', '/readyz'], methodNotAllowed(['GET']));

  // Callers are M2M clients of the same project: their tokens are verified with its Stytch client.
  app.use(
    paymentRoutes({
      wallet,
      authorize: { client: stytch, realm: 'payment-server', logger },
      ...(paymentsPerMinute && { paymentsPerMinute }),
    }),
  );

  // The key is checked before the body is read: an anonymous caller costs no parsing.
  app.use('/admin', requireAdminKey(adminApiKey, adminKeyFailuresPerMinute), jsonBody({ limit: '16kb' }));
  app.use('/admin', rotationRoutes({ rotation }));
  app.use('/admin', clientRoutes({ stytch, ownClientId: () => rotation.clientId }));
  app.use('/admin', operatorMcpRoutes({ stytch, rotation, logger }));

  app.use(notFound);
  app.use(errorHandler());
  return app;
}
