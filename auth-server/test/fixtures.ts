import type { Client } from 'stytch';
import request from 'supertest';
import type { AuthServerOptions, RunningAuthServer } from '../src';
import { sdk, startAuth as startSuiteAuth } from '../../test/support/stack';

export { decodeJwt } from '../../test/support/stack';
export { controlledClock } from '../../test/support/clock';

/** The auth-server's own tests: one server from the toolkit (test/support), with its SDK, supertest and Basic header at hand. */
export interface AuthFixture {
  auth: RunningAuthServer;
  /** The real Stytch SDK pointed at the server. */
  sdk: Client;
  /** supertest bound to the server's URL (real HTTP). */
  http: () => ReturnType<typeof request>;
  basic: string;
}

export async function startAuthFixture(options: AuthServerOptions = {}): Promise<AuthFixture> {
  const auth = await startSuiteAuth(options);
  return {
    auth,
    sdk: sdk(auth),
    http: () => request(auth.url.replace(/\/$/, '')),
    basic: `Basic ${Buffer.from(`${auth.projectId}:${auth.projectSecret}`).toString('base64')}`,
  };
}

export function tokenPath(auth: RunningAuthServer): string {
  return `/v1/public/${auth.projectId}/oauth2/token`;
}
