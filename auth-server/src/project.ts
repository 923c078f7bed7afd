import { randomUUID } from 'node:crypto';
import { ConfigError } from '@m2m/shared';
import { generateSecret, hashGeneratedSecret, verifySecret, weakSecretReason } from './security/secrets';
import type { ProjectStore } from './store/projectStore';

export interface ServedProject {
  projectId: string;
  secret: string;
  /** How the project's Basic credentials are checked (SHA-256; see security/secrets.ts). */
  secretHash: string;
  /** true when this start-up generated the project. */
  generated: boolean;
}

/**
 * Decides which project this server serves.
 * - Given credentials (STYTCH_PROJECT_ID / STYTCH_SECRET, or options): they are the project. If the
 *   database already serves ANOTHER project id, start-up stops with one line (its clients and keys
 *   belong to that project; mixing them would be wrong). Same id with a new secret: the new secret
 *   wins and is persisted (that is how an operator rotates the project secret).
 * - None given: the stored project, or a new one generated once and persisted.
 */
export async function resolveServedProject(
  store: ProjectStore,
  given: { projectId?: string | undefined; projectSecret?: string | undefined },
  where: string,
): Promise<ServedProject> {
  const stored = store.get();
  if (given.projectId || given.projectSecret) {
    if (!given.projectId || !given.projectSecret) {
      throw new ConfigError(
        `${given.projectId ? 'STYTCH_SECRET' : 'STYTCH_PROJECT_ID'} is not set: set both STYTCH_PROJECT_ID and STYTCH_SECRET, or neither`,
      );
    }
    if (stored && stored.projectId !== given.projectId) {
      throw new ConfigError(
        `STYTCH_PROJECT_ID is ${given.projectId} but ${where} serves project ${stored.projectId}: unset STYTCH_PROJECT_ID/STYTCH_SECRET, set them to that project, or use another DATA_DIR`,
      );
    }
    const weak = weakSecretReason(given.projectSecret);
    if (weak) throw new ConfigError(`STYTCH_SECRET is too weak: ${weak.replace('client_secret', 'the secret')}`);
    const secretHash = hashGeneratedSecret(given.projectSecret);
    const unchanged = stored !== undefined && (await verifySecret(given.projectSecret, stored.secretHash));
    // Came from the environment: the operator holds it, so only its hash is kept.
    if (!unchanged) store.saveCredentials({ projectId: given.projectId, secret: null, secretHash });
    return { projectId: given.projectId, secret: given.projectSecret, secretHash, generated: false };
  }
  if (stored) {
    if (!stored.secret) {
      throw new ConfigError(
        `STYTCH_SECRET is not set: ${where} serves project ${stored.projectId}, whose secret was given by the environment and is stored only as a hash; set STYTCH_PROJECT_ID and STYTCH_SECRET`,
      );
    }
    return { projectId: stored.projectId, secret: stored.secret, secretHash: stored.secretHash, generated: false };
  }
  const projectId = `project-test-${randomUUID()}`;
  const secret = `secret-test-${generateSecret()}`;
  store.saveCredentials({ projectId, secret, secretHash: hashGeneratedSecret(secret) });
  return { projectId, secret, secretHash: hashGeneratedSecret(secret), generated: true };
}
