import { Router, type Request } from 'express';
import { CheckBalanceRequest, DebitRequest, HttpError, IdempotencyKey, jsonBody, methodNotAllowed, parseInput, SCOPES } from '@m2m/shared';
import { authorizeToken, type AuthorizeTokenOptions, type M2MIdentity } from '@m2m/shared';
import { callerTenant } from '../tenants/callerTenant';
import { debitRefusal } from '../wallets/debitRefusal';
import type { WalletStore } from '../wallets/walletStore';

/**
 * The tutorial's two routes, each behind the scope it needs. A tenant's caller reaches its tenant's
 * wallets only: another tenant's is a 404, as an unknown one (its existence doesn't leak).
 */
export function walletRoutes(wallets: WalletStore, authorize: AuthorizeTokenOptions): Router {
  const router = Router();
  // Bodies are parsed after the token is checked: an anonymous caller gets a 401, and costs no parsing.
  const json = jsonBody({ limit: '16kb' });

  router
    .route('/api/check-balance')
    .post(authorizeToken(SCOPES.readUsers, authorize), json, async (req, res) => {
      const { customerId } = parseInput(CheckBalanceRequest, req.body);
      const balance = await wallets.checkBalance(customerId, callerTenant(identity(req)));
      if (!balance) throw new HttpError(404, 'customer_not_found', `No wallet for customer ${customerId}`);
      res.json(balance);
    })
    .all(methodNotAllowed(['POST'], 'Use POST with a JSON body { "customerId": "…" }'));

  router
    .route('/api/debit')
    .post(authorizeToken(SCOPES.writeWallets, authorize), json, async (req, res) => {
      const idempotencyKey = requiredIdempotencyKey(req);
      const request = parseInput(DebitRequest, req.body);
      // Settles once the debit's transaction is committed (see sqliteWalletStore.ts, postgresWalletStore.ts); Express 5 sends a rejection to `next`.
      const caller = identity(req);
      const outcome = await wallets.debit({ clientId: caller.client_id, idempotencyKey, request, tenantId: callerTenant(caller) });
      if (outcome.status !== 'debited') throw debitRefusal(outcome, request);
      if (outcome.replayed) res.setHeader('Idempotent-Replayed', 'true');
      res.json(outcome.response);
    })
    .all(
      methodNotAllowed(
        ['POST'],
        'Use POST with a JSON body { "customerId", "amount", "destinationWalletId" } and an Idempotency-Key header',
      ),
    );

  return router;
}

function requiredIdempotencyKey(req: Request): string {
  const key = req.get('Idempotency-Key');
  if (key === undefined) {
    throw new HttpError(
      400,
      'invalid_request',
      'The Idempotency-Key header is required: a unique value per debit (e.g. a UUID), reused when retrying it',
    );
  }
  return parseInput(IdempotencyKey, key, 'Idempotency-Key');
}

/** Set by authorizeToken; its absence is a wiring bug in this file, not the caller's fault. */
function identity(req: Request): M2MIdentity {
  if (!req.m2m) throw new Error('route reached without authorizeToken');
  return req.m2m;
}
