import type { RequestHandler } from 'express';
import { auth, requiredScopes } from './auth0Peer';
import type * as stytch from 'stytch';
// The file users copy into their own apps, imported as such (it stands alone).
import { authorizeToken, type StytchProject } from '@m2m/shared';
import { tutorialAuthorizeToken } from '../baselines/tutorialAuthorizeToken';
import { CYCLE_BOUND, type GuardVariant } from './guardVariants';

export function guardFor(variant: GuardVariant, client: stytch.Client, project: StytchProject, scope: string): RequestHandler[] {
  switch (variant) {
    case 'unguarded':
      return [];
    case 'emptyMiddleware':
      // What one more layer costs in Express 5: a route handler that returns a promise, and next().
      // eslint-disable-next-line @typescript-eslint/require-await -- async on purpose: authorizeToken is an async handler
      return [async (_req, _res, next) => next()];
    case 'cached':
      return [authorizeToken(scope, { client })];
    case 'cycleBoundPlusOne':
    case 'cycleTenTimesBound':
      return [authorizeToken(scope, { client, cache: { maxEntries: CYCLE_BOUND } })];
    case 'uncached':
      return [authorizeToken(scope, { client, cache: false })];
    case 'auth0':
      return auth0Guard(project, scope);
    case 'tutorial':
      return [tutorialAuthorizeToken(client, scope)];
    case 'tutorialQuiet':
      return [tutorialAuthorizeToken(client, scope, { logResponse: false })];
  }
}

/**
 * The peer: Auth0's middleware as its README configures it for a non-Auth0 issuer, pointed at the
 * auth-server's JWKS; it verifies the signature on every request (jose, with its keys cached).
 */
function auth0Guard(project: StytchProject, scope: string): RequestHandler[] {
  const issuer = project.baseUrl.replace(/\/$/, '');
  return [
    auth({
      issuer,
      jwksUri: `${issuer}/v1/sessions/jwks/${project.projectId}`,
      audience: project.projectId,
      tokenSigningAlg: 'RS256',
    }),
    requiredScopes(scope),
  ];
}
