import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { M2MCredentials } from './stytchProject';

const run = promisify(execFile);

/** What openid-client did: its token response and the endpoints it discovered, or its error. */
export type GenericClientOutcome =
  | {
      ok: true;
      tokens: { access_token: string; token_type: string; expires_in?: number; scope?: string };
      token_endpoint: string;
      jwks_uri: string;
    }
  | { ok: false; name: string; code?: string; error?: string; status?: number; message: string };

/**
 * A token through openid-client's client-credentials grant, from `issuer` alone (RFC 8414 discovery),
 * in a Node process of its own: the library is ESM only, and a customer's client is another process anyway.
 */
export async function genericClientCredentials(
  issuer: string,
  credentials: M2MCredentials,
  options: { scope?: string; method?: 'basic' | 'post' } = {},
): Promise<GenericClientOutcome> {
  const script = path.join(__dirname, 'openidClientCredentials.mjs');
  const { stdout } = await run(process.execPath, [script, issuer, ...(options.scope ? [options.scope] : [])], {
    env: {
      PATH: process.env.PATH ?? '',
      OAUTH_CLIENT_ID: credentials.clientId,
      OAUTH_CLIENT_SECRET: credentials.clientSecret,
      OAUTH_AUTH_METHOD: options.method ?? 'basic',
    },
    timeout: 20_000,
  });
  return JSON.parse(stdout) as GenericClientOutcome;
}
