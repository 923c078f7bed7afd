import { createRequire } from 'node:module';
import type { RequestHandler } from 'express';

/**
 * Auth0's express-oauth2-jwt-bearer, the bench's peer guard. Its type declarations augment
 * Express's Request with an `auth` of its own for every file of the project's type check (the MCP
 * SDK types `req.auth` otherwise), so it is loaded here with only the two functions the bench uses
 * typed, and its declarations are never part of the program.
 */
interface Auth0Peer {
  auth: (options: { issuer: string; jwksUri: string; audience: string; tokenSigningAlg: string }) => RequestHandler;
  requiredScopes: (scopes: string) => RequestHandler;
}

export const { auth, requiredScopes } = createRequire(__filename)('express-oauth2-jwt-bearer') as Auth0Peer;
