import { randomUUID } from 'node:crypto';
import type { M2MClientRecord } from '../store/clientStore';
import { renderClaims, type ClaimsTemplate } from './customClaims';
import { signJwt } from './jwt';
import type { KeyRing } from './keyRing';

export interface TokenIssuerOptions {
  projectId: string;
  /** The `iss` claim: the server's public base URL without a trailing slash. */
  issuer: string;
  lifetimeSeconds: number;
  keys: KeyRing;
  /** Read on every token, so a template change applies to the next token. */
  template: () => ClaimsTemplate | null;
  /** The clock (epoch milliseconds) of `iat`, `nbf` and `exp`; Date.now. For tests. */
  now?: () => number;
}

export interface IssuedToken {
  accessToken: string;
  expiresIn: number;
}

/** Builds and signs Stytch's M2M access token (its header and claims: docs/stytch-api-mapping.md). */
export class TokenIssuer {
  constructor(private readonly options: TokenIssuerOptions) {}

  /** `resources` (RFC 8707 resource indicators) join the project id in `aud`: the token is then also for them. */
  async issue(
    client: M2MClientRecord,
    scopes: string[],
    requestParams: Record<string, unknown>,
    resources: string[] = [],
  ): Promise<IssuedToken> {
    const { projectId, issuer, lifetimeSeconds, keys, template, now: clock = Date.now } = this.options;
    const claimsTemplate = template();
    const custom = claimsTemplate
      ? renderClaims(claimsTemplate, {
          client: {
            client_id: client.clientId,
            client_name: client.clientName,
            client_description: client.clientDescription,
            status: client.status,
            scopes: client.scopes,
            trusted_metadata: client.trustedMetadata,
          },
          request: requestParams,
        })
      : {};
    const now = Math.floor(clock() / 1000);
    const payload = {
      ...custom,
      sub: client.clientId,
      iss: issuer,
      aud: [projectId, ...resources.filter((resource) => resource !== projectId)],
      scope: scopes.join(' '),
      iat: now,
      nbf: now,
      exp: now + lifetimeSeconds,
      jti: randomUUID(),
    };
    return { accessToken: await signJwt(payload, keys.active), expiresIn: lifetimeSeconds };
  }
}
