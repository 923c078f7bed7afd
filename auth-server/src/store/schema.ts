/** The auth-server's state: one project, its M2M clients, and its signing keys. */
export const AUTH_SCHEMA = `
CREATE TABLE IF NOT EXISTS project (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  project_id TEXT NOT NULL,
  -- Only a generated secret is kept in clear: the server must publish it to the other local
  -- servers after a restart. A secret that came from the environment is kept only as a hash.
  secret TEXT,
  secret_hash TEXT NOT NULL,
  custom_claims_template TEXT,
  created_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS m2m_clients (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  client_id TEXT NOT NULL UNIQUE,
  client_name TEXT NOT NULL DEFAULT '',
  client_description TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL CHECK (status IN ('active', 'inactive')),
  scopes TEXT NOT NULL,
  trusted_metadata TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  secret_last_four TEXT NOT NULL,
  next_secret_hash TEXT,
  next_secret_last_four TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS m2m_clients_name ON m2m_clients (client_name);

CREATE TABLE IF NOT EXISTS signing_keys (
  kid TEXT PRIMARY KEY,
  private_key_pem TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  -- NULL while the key is the NEXT key: published in the JWKS before it signs anything, so verifiers
  -- that cached the JWKS already know it when a rotation makes it the signing key.
  activated_at INTEGER,
  -- The longest token lifetime this key has signed with: how long it must stay published once retired.
  max_token_lifetime_seconds INTEGER NOT NULL,
  retired_at INTEGER,
  -- Once retired: published in the JWKS until this time (epoch seconds), then dropped.
  publish_until INTEGER
);
`;
