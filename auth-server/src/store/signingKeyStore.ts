import type { SqliteDatabase } from '@m2m/shared';

export interface StoredSigningKey {
  kid: string;
  privateKeyPem: string;
  createdAt: number;
  /** null while this is the next key (published, not yet signing). */
  activatedAt: number | null;
  maxTokenLifetimeSeconds: number;
  retiredAt: number | null;
  /** Epoch seconds until which a retired key stays in the JWKS. */
  publishUntil: number | null;
}

interface KeyRow {
  kid: string;
  private_key_pem: string;
  created_at: number;
  activated_at: number | null;
  max_token_lifetime_seconds: number;
  retired_at: number | null;
  publish_until: number | null;
}

/** Signing keys persist, so a restart invalidates no token. */
export class SigningKeyStore {
  constructor(private readonly db: SqliteDatabase) {}

  /** Every key still published at `nowSeconds`: the active one, the next one, and retired ones whose tokens may be valid. */
  listLive(nowSeconds: number): StoredSigningKey[] {
    return this.db
      .prepare<[number], KeyRow>(
        `SELECT * FROM signing_keys WHERE retired_at IS NULL OR publish_until > ?
         ORDER BY retired_at IS NOT NULL, activated_at IS NULL, created_at DESC`,
      )
      .all(nowSeconds)
      .map(toKey);
  }

  /** Adds a key: the active one (`active`), or the next one. */
  insert(
    key: { kid: string; privateKeyPem: string; maxTokenLifetimeSeconds: number },
    active: boolean,
    now = Math.floor(Date.now() / 1000),
  ): void {
    this.db
      .prepare(
        'INSERT INTO signing_keys (kid, private_key_pem, created_at, activated_at, max_token_lifetime_seconds) VALUES (?, ?, ?, ?, ?)',
      )
      .run(key.kid, key.privateKeyPem, now, active ? now : null, key.maxTokenLifetimeSeconds);
  }

  /** Remembers that the active key signs tokens this long from now on (a restart may raise the lifetime). */
  raiseMaxTokenLifetime(kid: string, seconds: number): void {
    this.db
      .prepare('UPDATE signing_keys SET max_token_lifetime_seconds = MAX(max_token_lifetime_seconds, ?) WHERE kid = ?')
      .run(seconds, kid);
  }

  /**
   * In one transaction: retire the active key (published until every token it signed has expired),
   * make the next key the active one, add `newNextKey` as the next one, and drop keys whose
   * publication has ended. `revokePrevious` ends the retired key's publication at once (a stolen
   * key): it is deleted with its private half, and every token it signed stops verifying.
   */
  rotate(
    newNextKey: { kid: string; privateKeyPem: string; maxTokenLifetimeSeconds: number },
    nowSeconds: number,
    revokePrevious = false,
  ): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          `UPDATE signing_keys SET retired_at = @now,
             publish_until = CASE WHEN @revoke THEN @now ELSE @now + max_token_lifetime_seconds + @skew END
           WHERE retired_at IS NULL AND activated_at IS NOT NULL`,
        )
        .run({ now: nowSeconds, skew: CLOCK_SKEW_SECONDS, revoke: revokePrevious ? 1 : 0 });
      this.db
        .prepare(
          `UPDATE signing_keys SET activated_at = @now, max_token_lifetime_seconds = MAX(max_token_lifetime_seconds, @lifetime)
           WHERE retired_at IS NULL AND activated_at IS NULL`,
        )
        .run({ now: nowSeconds, lifetime: newNextKey.maxTokenLifetimeSeconds });
      this.insert(newNextKey, false, nowSeconds);
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
    activatedAt: row.activated_at,
    maxTokenLifetimeSeconds: row.max_token_lifetime_seconds,
    retiredAt: row.retired_at,
    publishUntil: row.publish_until,
  };
}
