import type { RequestHandler } from 'express';
import type * as stytch from 'stytch';
import { authorizeToken } from '@m2m/wallet-server';
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
