import type { Client } from 'stytch';
import { PAYMENT_API_SCOPE, type Logger } from '@m2m/shared';
import type { CredentialsFile } from './credentialsFile';

export const DEMO_CALLER_NAME = 'checkout-service';
export const DEMO_CALLER_SCOPES = [PAYMENT_API_SCOPE];

export interface DemoCallerOptions {
  /** DATA_DIR/demo-caller-credentials.json (0600, written atomically). */
  file: CredentialsFile;
  /** The SDK with the project's credentials. */
  stytch: Client;
  logger: Logger;
}

/**
 * Local mode: a caller of the payment API to try it with (`checkout-service`, scope write:payments),
 * made the way any caller is made (an M2M client of the project). The first start creates it and
 * stores its credentials; later starts reuse them. If the file is lost, the existing client gets a
 * fresh secret by a rotation rather than a twin; if the client was deleted, a new one is made.
 * Answers the caller's client_id.
 */
export async function ensureDemoCaller({ file, stytch, logger }: DemoCallerOptions): Promise<string> {
  const stored = file.read();
  if (stored && (await exists(stytch, stored.client_id))) return stored.client_id;

  const found = await stytch.m2m.clients.search({
    limit: 10,
    query: { operator: 'AND', operands: [{ filter_name: 'client_name', filter_value: [DEMO_CALLER_NAME] }] },
  });
  const existing = found.m2m_clients.find((c) => c.status === 'active');
  if (existing) {
    const clientId = existing.client_id;
    if (existing.next_client_secret_last_four) await stytch.m2m.clients.secrets.rotateCancel({ client_id: clientId });
    const started = await stytch.m2m.clients.secrets.rotateStart({ client_id: clientId });
    // Written before the rotation completes: a crash in between leaves a secret that still works.
    file.write({ client_id: clientId, client_secret: started.m2m_client.next_client_secret });
    await stytch.m2m.clients.secrets.rotate({ client_id: clientId });
    logger.info({ clientId, file: file.path }, `reusing the ${DEMO_CALLER_NAME} demo caller with a freshly rotated secret`);
    return clientId;
  }
  const { m2m_client } = await stytch.m2m.clients.create({
    client_name: DEMO_CALLER_NAME,
    client_description: 'A demo caller of POST /initiate-payment (created by the payment-server in local mode)',
    scopes: DEMO_CALLER_SCOPES,
  });
  file.write({ client_id: m2m_client.client_id, client_secret: m2m_client.client_secret });
  logger.info(
    { clientId: m2m_client.client_id, file: file.path },
    `provisioned the ${DEMO_CALLER_NAME} demo caller (scope ${PAYMENT_API_SCOPE})`,
  );
  return m2m_client.client_id;
}

async function exists(stytch: Client, clientId: string): Promise<boolean> {
  try {
    await stytch.m2m.clients.get({ client_id: clientId });
    return true;
  } catch (err) {
    if ((err as { status_code?: number }).status_code === 404) return false;
    throw err;
  }
}
