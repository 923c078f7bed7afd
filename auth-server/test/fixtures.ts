import { createStytchClient } from '@m2m/shared';
import type { Client } from 'stytch';
import request from 'supertest';
import { startAuthServer, type AuthServerOptions, type RunningAuthServer } from '../src';

export interface AuthFixture {
  auth: RunningAuthServer;
  /** The real Stytch SDK pointed at the server. */
  sdk: Client;
  /** supertest bound to the server's URL (real HTTP). */
  http: () => ReturnType<typeof request>;
  basic: string;
}

export async function startAuth(options: AuthServerOptions = {}): Promise<AuthFixture> {
  const auth = await startAuthServer({ port: 0, ...options });
  return {
    auth,
    sdk: createStytchClient({ projectId: auth.projectId, secret: auth.projectSecret, baseUrl: auth.url }),
    http: () => request(auth.url.replace(/\/$/, '')),
    basic: `Basic ${Buffer.from(`${auth.projectId}:${auth.projectSecret}`).toString('base64')}`,
  };
}

export function tokenPath(auth: RunningAuthServer): string {
  return `/v1/public/${auth.projectId}/oauth2/token`;
}

/** The decoded parts of a compact JWS, without verifying it. */
export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header!, 'base64url').toString()) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>,
  };
}

/** A clock that moves only when told (epoch milliseconds): the `now` option of startAuthServer and its parts. */
export function controlledClock(start = Date.now()): {
  now: () => number;
  nowSeconds: () => number;
  advanceSeconds(seconds: number): void;
} {
  let ms = start;
  return {
    now: () => ms,
    nowSeconds: () => Math.floor(ms / 1000),
    advanceSeconds(seconds) {
      ms += seconds * 1000;
    },
  };
}
