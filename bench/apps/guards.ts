import type { RequestHandler } from 'express';
import type * as stytch from 'stytch';
// The file users copy into their own apps, imported as such (it stands alone).
import { authorizeToken } from '@m2m/shared';
import { tutorialAuthorizeToken } from '../baselines/tutorialAuthorizeToken';
import type { GuardVariant } from './guardVariants';

export function guardFor(variant: GuardVariant, client: stytch.Client, scope: string): RequestHandler | undefined {
  switch (variant) {
    case 'unguarded':
      return undefined;
    case 'cached':
      return authorizeToken(scope, { client });
    case 'uncached':
      return authorizeToken(scope, { client, cache: false });
    case 'tutorial':
      return tutorialAuthorizeToken(client, scope);
  }
}
