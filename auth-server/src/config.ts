import { common, parseEnv, type Env } from '@m2m/shared';
import { z } from 'zod';
import { validateClaimsTemplate } from './tokens/customClaims';

/** A custom claims template: a JSON object that follows the template rules (tokens/customClaims.ts). */
const claimsTemplate = z.string().transform((text, ctx) => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a JSON object, e.g. {"tier":"{{ client.trusted_metadata.tier }}"}' });
    return z.NEVER;
  }
  try {
    return validateClaimsTemplate(value);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

/** The auth-server's settings (README, "Configuration"). */
export const authServerEnv = {
  HOST: common.HOST,
  AUTH_SERVER_PORT: common.AUTH_SERVER_PORT,
  DATA_DIR: common.DATA_DIR,
  LOG_LEVEL: common.LOG_LEVEL,
  STYTCH_PROJECT_ID: common.STYTCH_PROJECT_ID,
  STYTCH_SECRET: common.STYTCH_SECRET,
  AUTH_SERVER_PUBLIC_URL: common.AUTH_SERVER_PUBLIC_URL,
  TRUST_PROXY: common.TRUST_PROXY,
  METRICS_TOKEN: common.METRICS_TOKEN,
  TOKEN_LIFETIME_SECONDS: z.coerce.number().int().min(60).max(86_400).default(3600),
  M2M_CUSTOM_CLAIMS_TEMPLATE: claimsTemplate.optional(),
  AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  AUDIT_MAX_EVENTS: z.coerce.number().int().min(100).max(100_000_000).default(100_000),
};

export type AuthServerConfig = ReturnType<typeof loadAuthServerConfig>;

export function loadAuthServerConfig(env: Env) {
  return parseEnv(authServerEnv, env);
}
