import type { Client } from 'stytch';
import { ConfigError, SCOPES, type Logger } from '@m2m/shared';
import { withTimeout } from '../m2m/backoff';
import { classifyTokenFailure } from '../m2m/tokenErrors';
import type { ClientCredentials } from '../m2m/tokenProvider';
import { CredentialsFile, lastFour, type StoredCredentials } from './credentialsFile';

export const PAYMENT_CLIENT_NAME = 'payment-service';
export const PAYMENT_CLIENT_SCOPES = [SCOPES.readUsers, SCOPES.writeWallets];

export interface LoadCredentialsOptions {
  file: CredentialsFile;
  stytch: Client;
  /** CLIENT_ID / CLIENT_SECRET: seed the file when it does not exist yet. */
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  /** Local mode: with no credentials anywhere, provision our own `payment-service` client. */
  selfProvision: boolean;
  logger: Logger;
  timeoutMs?: number;
}

export interface LoadedCredentials {
  /** What the TokenProvider should use now. */
  credentials: ClientCredentials;
  /** What the file holds after start-up (a rotation may still be pending). */
  stored: StoredCredentials;
  source: 'file' | 'environment' | 'provisioned';
}

/**
 * Where the payment-server's credentials come from, in order:
 * 1. the credentials file, when it holds a client of this project (and CLIENT_ID, if set, names that
 *    client): it wins, so a rotated secret survives restarts even though CLIENT_SECRET is older;
 * 2. CLIENT_ID / CLIENT_SECRET, copied into the file;
 * 3. in local mode only, a `payment-service` client provisioned through the Stytch API.
 *
 * A file for another project or another client (a switch from the local auth-server to Stytch,
 * say) is set aside, not deleted, and the environment wins; with nothing to replace it, start-up
 * stops with one line. A file that still holds `next_client_secret` means a rotation was
 * interrupted (a crash, a kill): which secret works then depends on how far it got at Stytch, so
 * both are tried (recoverRotation).
 */
export async function loadCredentials(options: LoadCredentialsOptions): Promise<LoadedCredentials> {
  const { file, logger } = options;
  if (Boolean(options.clientId) !== Boolean(options.clientSecret)) {
    throw new ConfigError(`${options.clientId ? 'CLIENT_SECRET' : 'CLIENT_ID'} is not set: CLIENT_ID and CLIENT_SECRET go together`);
  }
  const stored = keepIfOurs(options, file.read());
  if (stored) {
    if (!stored.project_id) file.write(stored); // written before the project was recorded: record it
    if (stored.next_client_secret) return { ...(await recoverRotation(options, stored, stored.next_client_secret)), source: 'file' };
    const reset = await secretResetOutside(options, stored);
    if (reset) return reset;
    await finishOwnPendingRotation(options, stored);
    return { credentials: toCredentials(stored.client_id, stored.client_secret), stored, source: 'file' };
  }

  if (options.clientId && options.clientSecret) {
    const seeded = { client_id: options.clientId, client_secret: options.clientSecret };
    file.write(seeded);
    logger.info({ file: file.path, clientId: seeded.client_id }, 'credentials file seeded from CLIENT_ID / CLIENT_SECRET');
    return { credentials: toCredentials(seeded.client_id, seeded.client_secret), stored: seeded, source: 'environment' };
  }
  if (!options.selfProvision) {
    throw new ConfigError(
      `CLIENT_ID is not set and ${file.path} does not exist: set CLIENT_ID and CLIENT_SECRET to the payment-server's M2M client`,
    );
  }
  let provisioned: StoredCredentials;
  try {
    provisioned = await provisionOwnClient(options);
  } catch (err) {
    // One line for the operator (runMain prints ConfigErrors without a stack), never a secret.
    throw new ConfigError(
      `CLIENT_ID is not set, ${file.path} does not exist, and provisioning the ${PAYMENT_CLIENT_NAME} client failed (${describe(err)}): is the auth-server running?`,
    );
  }
  return { credentials: toCredentials(provisioned.client_id, provisioned.client_secret), stored: provisioned, source: 'provisioned' };
}

/**
 * The stored credentials when they are this project's and the client CLIENT_ID names; otherwise
 * the file is set aside (when CLIENT_ID / CLIENT_SECRET or local provisioning can replace it) or
 * start-up stops, so that a stack never says ready while holding another project's client.
 */
function keepIfOurs(options: LoadCredentialsOptions, stored: StoredCredentials | undefined): StoredCredentials | undefined {
  if (!stored) return undefined;
  const { file } = options;
  const { projectId, baseUrl } = file.owner;
  const otherProject = stored.project_id !== undefined && (stored.project_id !== projectId || stored.stytch_base_url !== baseUrl);
  const otherClient = options.clientId !== undefined && options.clientId !== stored.client_id;
  if (!otherProject && !otherClient) return stored;

  const holds = otherProject
    ? `a client of project ${stored.project_id} at ${stored.stytch_base_url}, not of ${projectId} at ${baseUrl}`
    : `client ${stored.client_id}, not CLIENT_ID ${options.clientId}`;
  if (!options.clientId && !options.selfProvision) {
    throw new ConfigError(`${file.path} holds ${holds}: set CLIENT_ID and CLIENT_SECRET to this project's client, or use a fresh DATA_DIR`);
  }
  const keptAs = file.setAside();
  options.logger.warn(
    { file: file.path, keptAs, fileClientId: stored.client_id, fileProjectId: stored.project_id },
    `the credentials file held ${holds}: kept it as ${keptAs}; starting from ${options.clientId ? 'CLIENT_ID / CLIENT_SECRET' : `a provisioned ${PAYMENT_CLIENT_NAME} client`}`,
  );
  return undefined;
}

/**
 * CLIENT_SECRET differs from every secret in the file: usually the file is newer (a rotation done
 * here), and it wins. But when the file's secret is refused and CLIENT_SECRET is accepted, the
 * secret was reset elsewhere (the dashboard): the environment wins and the file is rewritten.
 */
async function secretResetOutside(options: LoadCredentialsOptions, stored: StoredCredentials): Promise<LoadedCredentials | undefined> {
  const envSecret = options.clientSecret;
  if (!envSecret || envSecret === stored.client_secret) return undefined;
  if ((await probeSecret(options, stored.client_id, stored.client_secret)) !== 'rejected') return undefined;
  if ((await probeSecret(options, stored.client_id, envSecret)) !== 'accepted') return undefined;
  const fromEnv = { client_id: stored.client_id, client_secret: envSecret };
  options.file.write(fromEnv);
  options.logger.warn(
    { file: options.file.path, clientId: stored.client_id, client_secret_last_four: lastFour(envSecret) },
    'the credentials file held a secret the auth server refuses and CLIENT_SECRET is accepted: the file now holds CLIENT_SECRET',
  );
  return { credentials: toCredentials(stored.client_id, envSecret), stored: fromEnv, source: 'environment' };
}

type SecretStatus = 'accepted' | 'rejected' | 'unknown';

/** Asks the token endpoint whether a secret works: the only way to learn it, since Stytch shows only last fours. */
async function probeSecret(options: LoadCredentialsOptions, clientId: string, secret: string): Promise<SecretStatus> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  try {
    await withTimeout(options.stytch.m2m.token({ client_id: clientId, client_secret: secret, scopes: [SCOPES.readUsers] }), timeoutMs);
    return 'accepted';
  } catch (err) {
    const failure = classifyTokenFailure(err);
    return failure.reason === 'invalid_client' ? 'rejected' : 'unknown';
  }
}

/**
 * A rotation stopped between "next secret written to the file" and "rotation completed and
 * written". At Stytch it may be: started (both secrets work), completed (only the next one
 * works) or cancelled (only the old one works). Try the next secret, then the old one:
 *
 * | next     | old      | state at Stytch | we run on | file afterwards                       |
 * |----------|----------|-----------------|-----------|---------------------------------------|
 * | accepted | accepted | started         | next      | unchanged: complete or cancel it later |
 * | accepted | rejected | completed       | next      | next becomes client_secret            |
 * | rejected | accepted | cancelled       | old       | next dropped                          |
 * | rejected | rejected | -               | refuse to start, the file can't be fixed automatically |
 * | unknown (auth server unreachable)    | next      | unchanged (next works in 2 of 3 states, and the
 * |          |          |                 |           | crash windows that leave a cancelled rotation in the file are the narrowest) |
 */
async function recoverRotation(
  options: LoadCredentialsOptions,
  stored: StoredCredentials,
  next: string,
): Promise<Omit<LoadedCredentials, 'source'>> {
  const { file, logger } = options;
  const id = stored.client_id;
  const nextStatus = await probeSecret(options, id, next);
  const view = { clientId: id, client_secret_last_four: lastFour(stored.client_secret), next_client_secret_last_four: lastFour(next) };
  if (nextStatus === 'unknown') {
    logger.warn(view, 'an interrupted secret rotation was found but the auth server could not be asked; running on the next secret');
    return { credentials: toCredentials(id, next), stored };
  }
  const oldStatus = await probeSecret(options, id, stored.client_secret);
  if (nextStatus === 'accepted' && oldStatus !== 'rejected') {
    logger.warn(
      view,
      'an interrupted secret rotation is still pending at Stytch; running on the next secret: finish it with POST /admin/m2m/secret-rotation/complete, or /cancel',
    );
    return { credentials: toCredentials(id, next), stored };
  }
  if (nextStatus === 'accepted') {
    const completed = { client_id: id, client_secret: next };
    file.write(completed);
    logger.info(view, 'an interrupted secret rotation had completed at Stytch; the credentials file now holds the new secret');
    return { credentials: toCredentials(id, next), stored: completed };
  }
  if (oldStatus === 'accepted' || oldStatus === 'unknown') {
    const cancelled = { client_id: id, client_secret: stored.client_secret };
    file.write(cancelled);
    logger.info(view, 'an interrupted secret rotation had been cancelled at Stytch; the next secret was dropped from the credentials file');
    return { credentials: toCredentials(id, stored.client_secret), stored: cancelled };
  }
  throw new ConfigError(
    `Neither client_secret nor next_client_secret in ${file.path} is accepted for ${id}: rotate the client's secret at Stytch and write the new one to the file (or remove the file and set CLIENT_ID / CLIENT_SECRET)`,
  );
}

/**
 * Self-provisioning of an existing client writes its new secret before completing the rotation
 * (below). If the process died in between, the client still has a pending rotation whose next
 * secret is ours: complete it, so that the old secret, which nobody knows, stops working.
 * Best effort: the server runs either way (a pending secret is accepted).
 */
async function finishOwnPendingRotation(options: LoadCredentialsOptions, stored: StoredCredentials): Promise<void> {
  if (!options.selfProvision) return;
  try {
    const { m2m_client } = await options.stytch.m2m.clients.get({ client_id: stored.client_id });
    if (m2m_client.next_client_secret_last_four && m2m_client.next_client_secret_last_four === lastFour(stored.client_secret)) {
      await options.stytch.m2m.clients.secrets.rotate({ client_id: stored.client_id });
      options.logger.info({ clientId: stored.client_id }, 'completed the secret rotation that provisioning had left pending');
    }
  } catch (err) {
    options.logger.warn({ clientId: stored.client_id, err: describe(err) }, 'could not check the client for a pending rotation');
  }
}

/**
 * Local mode with no credentials: reuse the `payment-service` client when one exists (its secret
 * is not known here, so it gets a fresh one by a rotation: start, write the file, complete), else
 * create it. Reusing keeps one client (and the wallet's idempotency keys, which are per client)
 * across a lost DATA_DIR file instead of leaving an orphan client behind at each loss.
 */
async function provisionOwnClient(options: LoadCredentialsOptions): Promise<StoredCredentials> {
  const { stytch, file, logger } = options;
  const found = await stytch.m2m.clients.search({
    limit: 10,
    query: { operator: 'AND', operands: [{ filter_name: 'client_name', filter_value: [PAYMENT_CLIENT_NAME] }] },
  });
  const existing = found.m2m_clients.find((c) => c.status === 'active');
  if (!existing) {
    const { m2m_client } = await stytch.m2m.clients.create({
      client_name: PAYMENT_CLIENT_NAME,
      client_description: 'The payment-server: checks balances and debits wallets (created by the payment-server in local mode)',
      scopes: PAYMENT_CLIENT_SCOPES,
    });
    const created = { client_id: m2m_client.client_id, client_secret: m2m_client.client_secret };
    file.write(created);
    logger.info({ clientId: created.client_id, file: file.path }, `provisioned the ${PAYMENT_CLIENT_NAME} M2M client`);
    return created;
  }
  const clientId = existing.client_id;
  // A rotation left pending by someone else would make `rotateStart` fail; its next secret is unknown here anyway.
  if (existing.next_client_secret_last_four) await stytch.m2m.clients.secrets.rotateCancel({ client_id: clientId });
  const started = await stytch.m2m.clients.secrets.rotateStart({ client_id: clientId });
  const reused = { client_id: clientId, client_secret: started.m2m_client.next_client_secret };
  file.write(reused);
  await stytch.m2m.clients.secrets.rotate({ client_id: clientId });
  logger.info({ clientId, file: file.path }, `reusing the existing ${PAYMENT_CLIENT_NAME} M2M client with a freshly rotated secret`);
  return reused;
}

function toCredentials(clientId: string, clientSecret: string): ClientCredentials {
  return { clientId, clientSecret };
}

function describe(err: unknown): string {
  const e = err as { error_type?: string; error_message?: string; message?: string };
  return e.error_type ? `${e.error_type}: ${e.error_message}` : String(e.message ?? err);
}
