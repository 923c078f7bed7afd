import fs from 'node:fs';
import path from 'node:path';
import dotenv from 'dotenv';
import { z } from 'zod';
import { ServiceError } from './errors';
import { TRUST_PROXY } from './trustProxy';
import { FETCH_BLOCKED_PORTS } from './fetchBlockedPorts';

/**
 * The one configuration contract: STYTCH_ENV picks local, test/live or a URL (docs/architecture.md).
 * Every server validates the variables it uses at start-up; a missing or malformed
 * one throws a ConfigError whose message names it in one line.
 */
export class ConfigError extends ServiceError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('config_error', message, options);
  }
}

export type Env = Record<string, string | undefined>;

/** `local` (the embedded auth-server), Stytch's `test` / `live`, or any Stytch-compatible base URL. */
export type StytchMode = { kind: 'local' } | { kind: 'hosted'; baseUrl: string };

const STYTCH_BASE_URLS = { test: 'https://test.stytch.com/', live: 'https://api.stytch.com/' } as const;

const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);

/** METRICS_TOKEN, the bearer secret a scraper sends to every server's /metrics, is at least this long. */
export const MIN_METRICS_TOKEN_LENGTH = 32;

const baseUrl = z.url().refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL');

export const common = {
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('.data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  STYTCH_ENV: z
    .string()
    .default('local')
    .refine((v) => ['local', 'test', 'live'].includes(v) || baseUrl.safeParse(v).success, {
      error: 'must be local, test, live or an http(s) URL',
    }),
  STYTCH_PROJECT_ID: z.string().min(1).optional(),
  STYTCH_SECRET: z.string().min(1).optional(),
  // The SDK reaches the auth-server with fetch: a port fetch refuses would fail every call.
  AUTH_SERVER_PORT: port(4010).refine(
    (p) => !FETCH_BLOCKED_PORTS.has(p),
    'fetch, and so the stytch SDK, refuses this port (the Fetch standard blocks it): pick another',
  ),
  /** The local auth-server's public URL (its tokens' `iss`); default http://HOST:AUTH_SERVER_PORT. */
  AUTH_SERVER_PUBLIC_URL: baseUrl.optional(),
  WALLET_SERVER_PORT: port(4000),
  PAYMENT_SERVER_PORT: port(4020),
  TRUST_PROXY,
  METRICS_TOKEN: z
    .string()
    .min(MIN_METRICS_TOKEN_LENGTH, `must be at least ${MIN_METRICS_TOKEN_LENGTH} characters, e.g. the output of: openssl rand -base64 32`)
    .optional(),
};

/** Parses `env` with `shape`; the first problem becomes one line naming the variable. */
export function parseEnv<S extends z.ZodRawShape>(shape: S, env: Env): z.infer<z.ZodObject<S>> {
  // Empty strings mean "unset", as in a .env line like `CLIENT_ID=`.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = z.object(shape).safeParse(cleaned);
  if (!result.success) {
    // A failed parse has at least one issue; each names its variable, except an object-level one.
    const [issue] = result.error.issues;
    const variable = issue?.path[0];
    const name = variable === undefined ? 'environment' : String(variable);
    // A secret's value is never echoed: the message may reach a terminal or a log (a database URL may hold a password).
    const secret = /SECRET|KEY|PASSWORD|DATABASE_URL|TOKEN(?!_LIFETIME|_MAX_AGE)/.test(name);
    const shown = cleaned[name] === undefined ? 'is not set' : secret ? 'is invalid' : `is invalid (${JSON.stringify(cleaned[name])})`;
    throw new ConfigError(`${name} ${shown}: ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

export function stytchMode(stytchEnv: string): StytchMode {
  if (stytchEnv === 'local') return { kind: 'local' };
  const known = Object.hasOwn(STYTCH_BASE_URLS, stytchEnv) ? STYTCH_BASE_URLS[stytchEnv as keyof typeof STYTCH_BASE_URLS] : stytchEnv;
  return { kind: 'hosted', baseUrl: withTrailingSlash(known) };
}

/** The address to reach a server bound to `host` from this machine (a wildcard bind is reached on loopback). */
export function reachableHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
}

/** A URL fit for a message or a log line: without its password and query (a database URL may carry both). */
export function urlWithoutPassword(url: string): string {
  const parsed = new URL(url);
  parsed.password = '';
  parsed.search = '';
  return parsed.toString();
}

export function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/** DATA_DIR resolved against the repository root, so every workspace shares one folder. */
export function resolveDataDir(dataDir: string, cwd = process.cwd()): string {
  if (path.isAbsolute(dataDir)) return dataDir;
  return path.resolve(findRepoRoot(cwd), dataDir);
}

/** Where the embedded auth-server publishes the project it serves, for the other servers in local mode. */
export function localProjectFile(dataDir: string): string {
  return path.join(resolveDataDir(dataDir), 'stytch-project.json');
}

function findRepoRoot(from: string): string {
  // The root is the folder whose package.json declares the workspaces.
  let dir = from;
  for (;;) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { workspaces?: unknown };
      if (pkg.workspaces) return dir;
    } catch {
      /* no package.json here */
    }
    const parent = path.dirname(dir);
    if (parent === dir) return from;
    dir = parent;
  }
}

/** Loads the repository's root `.env` (if any) into `env`; variables already set win. */
export function loadDotenv(env: Env = process.env, cwd = process.cwd()): void {
  dotenv.config({ path: path.join(findRepoRoot(cwd), '.env'), processEnv: env, quiet: true });
}
