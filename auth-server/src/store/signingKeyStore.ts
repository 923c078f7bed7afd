import type { SqliteDatabase } from '@m2m/shared';

export interface StoredSigningKey {
  kid: string;
  privateKeyPem: string;
  createdAt: number;
  maxTokenLifetimeSeconds: number;
  retiredAt: number | null;
  /** Epoch seconds until which a retired key stays in the JWKS. */
  publishUntil: number | null;
}

interface KeyRow {
  kid: string;
  private_key_pem: string;
  created_at: number;
  max_token_lifetime_seconds: number;
  retired_at: number | null;
  publish_until: number | null;
}

/** Signing keys persist, so a restart invalidates no token. */
export class SigningKeyStore {
  constructor(private readonly db: SqliteDatabase) {}

  /** The active key first, then retired keys still published at `nowSeconds`, newest first. */
  listLive(nowSeconds: number): StoredSigningKey[] {
    return this.db
      .prepare<[number], KeyRow>(
        `SELECT * FROM signing_keys WHERE retired_at IS NULL OR publish_until > ?
         ORDER BY retired_at IS NOT NULL, created_at DESC`,
      )
      .all(nowSeconds)
      .map(toKey);
  }

  insert(key: { kid: string; privateKeyPem: string; maxTokenLifetimeSeconds: number }): void {
    this.db
      .prepare('INSERT INTO signing_keys (kid, private_key_pem, created_at, max_token_lifetime_seconds) VALUES (?, ?, ?, ?)')
      .run(key.kid, key.privateKeyPem, Math.floor(Date.now() / 1000), key.maxTokenLifetimeSeconds);
  }

  /** Remembers that the active key signs tokens this long from now on (a restart may raise the lifetime). */
  raiseMaxTokenLifetime(kid: string, seconds: number): void {
    this.db.prepare('UPDATE signing_keys SET max_token_lifetime_seconds = MAX(max_token_lifetime_seconds, ?) WHERE kid = ?').run(seconds, kid);
  }

  /**
   * In one transaction: retire the active key (published until every token it signed has expired),
   * insert the new active key, and drop keys whose publication has ended.
   */
  rotate(newKey: { kid: string; privateKeyPem: string; maxTokenLifetimeSeconds: number }, nowSeconds: number): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          `UPDATE signing_keys SET retired_at = @now, publish_until = @now + max_token_lifetime_seconds + @skew
           WHERE retired_at IS NULL`,
        )
        .run({ now: nowSeconds, skew: CLOCK_SKEW_SECONDS });
      this.insert(newKey);
      this.db.prepare('DELETE FROM signing_keys WHERE publish_until IS NOT NULL AND publish_until <= ?').run(nowSeconds);
    })();
  }
}

/** Verifiers commonly allow some clock tolerance; keep retired keys published a little longer than strictly needed. */
export const CLOCK_SKEW_SECONDS = 60;

function toKey(row: KeyRow): StoredSigningKey {
  return {
    kid: row.kid,
    privateKeyPem: row.private_key_pem,
    createdAt: row.created_at,
    maxTokenLifetimeSeconds: row.max_token_lifetime_seconds,
    retiredAt: row.retired_at,
    publishUntil: row.publish_until,
  };
}
