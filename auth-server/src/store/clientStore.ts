import type { SqliteDatabase } from '@m2m/shared';
import { AuthServerError } from '../errors';

export type ClientStatus = 'active' | 'inactive';

export interface M2MClientRecord {
  clientId: string;
  clientName: string;
  clientDescription: string;
  status: ClientStatus;
  scopes: string[];
  trustedMetadata: Record<string, unknown>;
  secretHash: string;
  secretLastFour: string;
  nextSecretHash: string | null;
  nextSecretLastFour: string | null;
}

export interface ClientPatch {
  clientName?: string | undefined;
  clientDescription?: string | undefined;
  status?: ClientStatus | undefined;
  scopes?: string[] | undefined;
  trustedMetadata?: Record<string, unknown> | undefined;
}

export type SearchFilterName = 'client_id' | 'client_name' | 'scopes';

export interface ClientSearch {
  operator: 'AND' | 'OR';
  operands: { filterName: SearchFilterName; values: string[] }[];
  /** Return clients after this position (from a previous page's cursor). */
  afterSeq: number;
  limit: number;
}

export interface ClientPage {
  clients: M2MClientRecord[];
  total: number;
  /** The last position on this page when more follow, else null. */
  lastSeq: number | null;
}

/** A client_id that is already taken: client ids are unique within the project. */
export class ClientIdTakenError extends AuthServerError {
  constructor(readonly clientId: string) {
    super(400, 'm2m_client_id_already_exists', `An M2M client with client_id ${clientId} already exists`);
  }
}

interface ClientRow {
  seq: number;
  client_id: string;
  client_name: string;
  client_description: string;
  status: ClientStatus;
  scopes: string;
  trusted_metadata: string;
  secret_hash: string;
  secret_last_four: string;
  next_secret_hash: string | null;
  next_secret_last_four: string | null;
}

const COLUMNS =
  'seq, client_id, client_name, client_description, status, scopes, trusted_metadata, secret_hash, secret_last_four, next_secret_hash, next_secret_last_four';

/** M2M clients in SQLite. Each method is one statement or one transaction: never a half-applied write. */
export class ClientStore {
  private readonly byId;

  constructor(private readonly db: SqliteDatabase) {
    // Prepared once: the token endpoint looks a client up on every request.
    this.byId = db.prepare<[string], ClientRow>(`SELECT ${COLUMNS} FROM m2m_clients WHERE client_id = ?`);
  }

  get(clientId: string): M2MClientRecord | undefined {
    const row = this.byId.get(clientId);
    return row && toRecord(row);
  }

  create(client: M2MClientRecord): M2MClientRecord {
    const now = Date.now();
    try {
      this.db
        .prepare(
          `INSERT INTO m2m_clients (client_id, client_name, client_description, status, scopes, trusted_metadata,
             secret_hash, secret_last_four, next_secret_hash, next_secret_last_four, created_at, updated_at)
           VALUES (@clientId, @clientName, @clientDescription, @status, @scopes, @trustedMetadata,
             @secretHash, @secretLastFour, NULL, NULL, @now, @now)`,
        )
        .run({ ...client, scopes: JSON.stringify(client.scopes), trustedMetadata: JSON.stringify(client.trustedMetadata), now });
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new ClientIdTakenError(client.clientId);
      throw err;
    }
    return this.found(client.clientId);
  }

  update(clientId: string, patch: ClientPatch): M2MClientRecord | undefined {
    const result = this.db
      .prepare(
        `UPDATE m2m_clients SET
           client_name = COALESCE(@clientName, client_name),
           client_description = COALESCE(@clientDescription, client_description),
           status = COALESCE(@status, status),
           scopes = COALESCE(@scopes, scopes),
           trusted_metadata = COALESCE(@trustedMetadata, trusted_metadata),
           updated_at = @now
         WHERE client_id = @clientId`,
      )
      .run({
        clientId,
        clientName: patch.clientName ?? null,
        clientDescription: patch.clientDescription ?? null,
        status: patch.status ?? null,
        scopes: patch.scopes ? JSON.stringify(patch.scopes) : null,
        trustedMetadata: patch.trustedMetadata ? JSON.stringify(patch.trustedMetadata) : null,
        now: Date.now(),
      });
    return result.changes ? this.get(clientId) : undefined;
  }

  delete(clientId: string): boolean {
    return this.db.prepare('DELETE FROM m2m_clients WHERE client_id = ?').run(clientId).changes > 0;
  }

  /** Sets (or replaces) the next secret: from now on both secrets are accepted. */
  startSecretRotation(clientId: string, nextSecretHash: string, nextSecretLastFour: string): M2MClientRecord | undefined {
    const result = this.db
      .prepare('UPDATE m2m_clients SET next_secret_hash = ?, next_secret_last_four = ?, updated_at = ? WHERE client_id = ?')
      .run(nextSecretHash, nextSecretLastFour, Date.now(), clientId);
    return result.changes ? this.get(clientId) : undefined;
  }

  /** Discards the next secret; only the current one works. */
  cancelSecretRotation(clientId: string): M2MClientRecord | undefined {
    const result = this.db
      .prepare('UPDATE m2m_clients SET next_secret_hash = NULL, next_secret_last_four = NULL, updated_at = ? WHERE client_id = ?')
      .run(Date.now(), clientId);
    return result.changes ? this.get(clientId) : undefined;
  }

  /** The next secret becomes the secret, in one statement; false when no rotation was started. */
  completeSecretRotation(clientId: string): boolean {
    const result = this.db
      .prepare(
        `UPDATE m2m_clients SET secret_hash = next_secret_hash, secret_last_four = next_secret_last_four,
           next_secret_hash = NULL, next_secret_last_four = NULL, updated_at = ?
         WHERE client_id = ? AND next_secret_hash IS NOT NULL`,
      )
      .run(Date.now(), clientId);
    return result.changes > 0;
  }

  search({ operator, operands, afterSeq, limit }: ClientSearch): ClientPage {
    const params: (string | number)[] = [];
    const conditions = operands.map(({ filterName, values }) => {
      params.push(...values);
      const list = values.map(() => '?').join(', ');
      switch (filterName) {
        case 'client_id':
          return `client_id IN (${list})`;
        case 'client_name':
          return `client_name IN (${list})`;
        case 'scopes':
          return `EXISTS (SELECT 1 FROM json_each(m2m_clients.scopes) AS s WHERE s.value IN (${list}))`;
      }
    });
    const filter = conditions.length ? `(${conditions.join(operator === 'AND' ? ' AND ' : ' OR ')})` : '1';
    const read = this.db.transaction(() => {
      // COUNT(*) always answers one row.
      const { n: total } = this.db
        .prepare<(string | number)[], { n: number }>(`SELECT COUNT(*) AS n FROM m2m_clients WHERE ${filter}`)
        .get(...params) ?? { n: 0 };
      const rows = this.db
        .prepare<(string | number)[], ClientRow>(`SELECT ${COLUMNS} FROM m2m_clients WHERE ${filter} AND seq > ? ORDER BY seq LIMIT ?`)
        .all(...params, afterSeq, limit + 1);
      return { total, rows };
    });
    const { total, rows } = read();
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return { clients: page.map(toRecord), total, lastSeq: rows.length > limit && last ? last.seq : null };
  }

  /** A client this process just wrote (the only writer): its absence is our bug, not the caller's. */
  private found(clientId: string): M2MClientRecord {
    const client = this.get(clientId);
    if (!client) throw new Error(`the M2M client ${clientId} was written but cannot be read back`);
    return client;
  }
}

function toRecord(row: ClientRow): M2MClientRecord {
  return {
    clientId: row.client_id,
    clientName: row.client_name,
    clientDescription: row.client_description,
    status: row.status,
    scopes: JSON.parse(row.scopes) as string[],
    trustedMetadata: JSON.parse(row.trusted_metadata) as Record<string, unknown>,
    secretHash: row.secret_hash,
    secretLastFour: row.secret_last_four,
    nextSecretHash: row.next_secret_hash,
    nextSecretLastFour: row.next_secret_last_four,
  };
}
