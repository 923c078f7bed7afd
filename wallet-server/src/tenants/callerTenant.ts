import { HttpError, TENANT_CLAIM, type M2MIdentity } from '@m2m/shared';
import type { TenantScope } from '../wallets/walletStore';

/**
 * The caller's tenant, from its token's tenant_id claim (the custom claims template copies it from
 * the client's trusted_metadata); undefined for the platform's own clients, which carry none. A
 * claim that is present but not a usable id is refused: it must never read as "no tenant", which
 * reaches every wallet.
 */
export function callerTenant(identity: M2MIdentity): TenantScope {
  const claim = identity.custom_claims[TENANT_CLAIM];
  if (claim === undefined) return undefined;
  if (typeof claim !== 'string' || !/^[A-Za-z0-9._~-]{1,128}$/.test(claim)) {
    throw new HttpError(403, 'invalid_tenant', `The token's ${TENANT_CLAIM} claim is not a tenant id`);
  }
  return claim;
}
