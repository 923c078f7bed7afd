import type { M2MClient } from 'stytch';

/** An M2M client as the payment-server admin routes and the wallet tenant routes show it: the fields Stytch documents, never a secret (only last fours). */
export interface ClientView {
  client_id: string;
  client_name: string;
  client_description: string;
  status: string;
  scopes: string[];
  client_secret_last_four: string;
  next_client_secret_last_four: string | null;
  trusted_metadata: Record<string, unknown>;
}

/** Picks fields explicitly, so a secret can't slip into an answer even if an upstream adds one. */
export function clientView(client: M2MClient): ClientView {
  return {
    client_id: client.client_id,
    client_name: client.client_name,
    client_description: client.client_description,
    status: client.status,
    scopes: client.scopes,
    client_secret_last_four: client.client_secret_last_four,
    next_client_secret_last_four: client.next_client_secret_last_four ?? null,
    trusted_metadata: (client.trusted_metadata ?? {}) as Record<string, unknown>,
  };
}
