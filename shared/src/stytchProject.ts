import * as stytch from 'stytch';
import { ConfigError, localProjectFile, reachableHost, stytchMode, withTrailingSlash } from './config';
import { readJsonFile, writeFileAtomic } from './files';

/** The Stytch project a server talks to: its credentials and the API base URL (with a trailing slash). */
export interface StytchProject {
  projectId: string;
  secret: string;
  baseUrl: string;
}

interface LocalProjectFile {
  project_id: string;
  secret: string;
}

export function writeLocalProject(dataDir: string, project: { projectId: string; secret: string }): string {
  const file = localProjectFile(dataDir);
  writeFileAtomic(file, JSON.stringify({ project_id: project.projectId, secret: project.secret }, null, 2) + '\n');
  return file;
}

export interface StytchSettings {
  STYTCH_ENV: string;
  STYTCH_PROJECT_ID?: string | undefined;
  STYTCH_SECRET?: string | undefined;
  AUTH_SERVER_PORT: number;
  DATA_DIR: string;
  /** Where the local auth-server listens, when not 127.0.0.1. */
  HOST?: string | undefined;
  /** The local auth-server's public URL, when it has one (its tokens' `iss`). */
  AUTH_SERVER_PUBLIC_URL?: string | undefined;
}

/**
 * Resolves the project from configuration. In local mode, unset credentials come from the file
 * the auth-server wrote; against hosted Stytch (or any URL) both variables are required.
 */
export function resolveStytchProject(settings: StytchSettings): StytchProject {
  const mode = stytchMode(settings.STYTCH_ENV);
  if (mode.kind === 'hosted') {
    if (!settings.STYTCH_PROJECT_ID) throw new ConfigError(`STYTCH_PROJECT_ID is not set: required when STYTCH_ENV=${settings.STYTCH_ENV}`);
    if (!settings.STYTCH_SECRET) throw new ConfigError(`STYTCH_SECRET is not set: required when STYTCH_ENV=${settings.STYTCH_ENV}`);
    return { projectId: settings.STYTCH_PROJECT_ID, secret: settings.STYTCH_SECRET, baseUrl: mode.baseUrl };
  }
  // The same URL the auth-server puts in `iss`, so the SDK accepts its tokens.
  const baseUrl = withTrailingSlash(
    settings.AUTH_SERVER_PUBLIC_URL ?? `http://${reachableHost(settings.HOST ?? '127.0.0.1')}:${settings.AUTH_SERVER_PORT}`,
  );
  if (settings.STYTCH_PROJECT_ID && settings.STYTCH_SECRET) {
    return { projectId: settings.STYTCH_PROJECT_ID, secret: settings.STYTCH_SECRET, baseUrl };
  }
  const file = localProjectFile(settings.DATA_DIR);
  const saved = readJsonFile<LocalProjectFile>(file);
  if (!saved?.project_id || !saved.secret) {
    throw new ConfigError(
      `STYTCH_PROJECT_ID is not set and ${file} does not exist: start the auth-server first (npm start -w auth-server), or run the whole stack with npm start`,
    );
  }
  return { projectId: saved.project_id, secret: saved.secret, baseUrl };
}

/** The unmodified Stytch SDK, pointed at the project's base URL (hosted Stytch or the local auth-server). */
export function createStytchClient(project: StytchProject): stytch.Client {
  const env = project.baseUrl;
  const hosted = env === stytch.envs.test || env === stytch.envs.live;
  // The SDK warns once on every custom base URL; for the local auth-server that is expected noise.
  const warn = console.warn;
  if (!hosted) console.warn = () => {};
  try {
    return new stytch.Client({ project_id: project.projectId, secret: project.secret, env });
  } finally {
    console.warn = warn;
  }
}
