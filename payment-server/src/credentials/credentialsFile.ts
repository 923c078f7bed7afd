import fs from 'node:fs';
import { z } from 'zod';
import { ConfigError, readJsonFile, writeFileAtomic } from '@m2m/shared';

/**
 * The payment-server's own M2M client credentials, on disk (DATA_DIR/payment-server-credentials.json).
 * `next_client_secret` is present only while a secret rotation is under way: it is written right
 * after Stytch hands it out (it is shown only once) and folded into `client_secret` once the
 * rotation completes. `project_id` and `stytch_base_url` say which project the client belongs to,
 * so a switch of project (local to hosted Stytch, say) is noticed. Files written before they were
 * recorded lack them. Mode 0600, written atomically: a crash leaves the old file or the new one.
 */
export const StoredCredentials = z.object({
  project_id: z.string().min(1).optional(),
  stytch_base_url: z.string().min(1).optional(),
  client_id: z.string().min(1),
  client_secret: z.string().min(1),
  next_client_secret: z.string().min(1).optional(),
});
export type StoredCredentials = z.infer<typeof StoredCredentials>;

/** The project whose client the file holds. */
export interface CredentialsOwner {
  projectId: string;
  baseUrl: string;
}

export class CredentialsFile {
  constructor(
    readonly path: string,
    readonly owner: CredentialsOwner,
  ) {}

  /** The stored credentials, or undefined when the file does not exist. A malformed file stops start-up. */
  read(): StoredCredentials | undefined {
    let raw: unknown;
    try {
      raw = readJsonFile<unknown>(this.path);
    } catch (err) {
      throw new ConfigError((err as Error).message);
    }
    if (raw === undefined) return undefined;
    const parsed = StoredCredentials.safeParse(raw);
    if (!parsed.success) {
      // Never echo the content: it holds secrets.
      throw new ConfigError(
        `${this.path} is not a valid credentials file (needs client_id and client_secret); it was left untouched: fix or remove it`,
      );
    }
    return parsed.data;
  }

  /** Writes the credentials, always under this file's owner project. */
  write(credentials: StoredCredentials): void {
    const { client_id, client_secret, next_client_secret } = credentials;
    const body = {
      project_id: this.owner.projectId,
      stytch_base_url: this.owner.baseUrl,
      client_id,
      client_secret,
      ...(next_client_secret && { next_client_secret }),
    };
    writeFileAtomic(this.path, JSON.stringify(body, null, 2) + '\n', 0o600);
  }

  /** Moves the file out of the way, keeping it (its secrets may be the only copy): the new path. */
  setAside(): string {
    const kept = `${this.path}.replaced-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    fs.renameSync(this.path, kept);
    return kept;
  }
}

/** How a secret is shown anywhere outside the file: its last four characters, as Stytch does. */
export function lastFour(secret: string | undefined): string | null {
  return secret ? secret.slice(-4) : null;
}
