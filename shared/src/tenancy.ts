/**
 * Tenants of the wallet platform. A tenant's M2M clients carry its id in `trusted_metadata.tenant_id`,
 * and the project's custom claims template copies it into their tokens as the `tenant_id` claim;
 * a token without it is one of the platform's own clients.
 */

/** The claim (and trusted_metadata key) naming a client's tenant. */
export const TENANT_CLAIM = 'tenant_id';

/** The custom claims template that puts the tenant into every token (set it in the Stytch dashboard for hosted projects). */
export const TENANT_CLAIMS_TEMPLATE = { [TENANT_CLAIM]: `{{ client.trusted_metadata.${TENANT_CLAIM} }}` };

/** The scope of a tenant owner: it manages its own tenant's M2M clients through the wallet's API. */
export const MANAGE_CREDENTIALS_SCOPE = 'manage:credentials';

/** The tenant the seeded wallets belong to. */
export const DEMO_TENANT_ID = 'demo';
