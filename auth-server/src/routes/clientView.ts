import type { M2MClientRecord } from '../store/clientStore';

/** The M2M client object of Stytch's API; secrets never appear here (only create and rotate/start add one). */
export interface M2MClientView {
  client_id: string;
  client_name: string;
  client_description: string;
  status: 'active' | 'inactive';
  scopes: string[];
  client_secret_last_four: string;
  next_client_secret_last_four: string | null;
  trusted_metadata: Record<string, unknown>;
}

export function toClientView(client: M2MClientRecord): M2MClientView {
  return {
    client_id: client.clientId,
    client_name: client.clientName,
    client_description: client.clientDescription,
    status: client.status,
    scopes: client.scopes,
    client_secret_last_four: client.secretLastFour,
    next_client_secret_last_four: client.nextSecretLastFour,
    trusted_metadata: client.trustedMetadata,
  };
}
