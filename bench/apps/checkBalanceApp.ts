import express, { type Express, type RequestHandler } from 'express';

/** The tutorial's in-memory wallets: the trivial handler every scenario-1 variant serves. */
export const TUTORIAL_WALLETS = [
  { customerId: '67uhjio098uhgt6l', customerName: 'john_doe', walletId: 'oipk9ifgl7yto9w', walletBalance: 1790 },
  { customerId: 'plu8iio0t3uhh06h', customerName: 'jane_doe', walletId: 'ui099jlolrrao6g', walletBalance: 970 },
];

/**
 * POST /api/check-balance behind the given guard's handlers (none: unguarded). Everything but the guard is identical
 * across variants, so their ratio is the guard's cost.
 */
export function createCheckBalanceApp(guard: RequestHandler[]): Express {
  const app = express();
  app.use(express.json());
  const handler: RequestHandler = (req, res) => {
    const { customerId } = req.body as { customerId?: string };
    const customer = TUTORIAL_WALLETS.find((c) => c.customerId === customerId);
    if (!customer) {
      res.status(404).json({ error: 'unknown customer' });
      return;
    }
    res.json({ customerName: customer.customerName, walletId: customer.walletId, walletBalance: customer.walletBalance });
  };
  app.post('/api/check-balance', ...guard, handler);
  return app;
}
