/**
 * The wallet database. Balances are integers in minor units, and every change to a balance has a
 * ledger row in the same transaction, so the ledger of a wallet always sums to its balance.
 */
export const WALLET_SCHEMA = `
CREATE TABLE IF NOT EXISTS wallets (
  wallet_id     TEXT PRIMARY KEY,
  customer_id   TEXT NOT NULL UNIQUE,
  customer_name TEXT NOT NULL,
  balance       INTEGER NOT NULL CHECK (balance >= 0),
  -- The tenant whose callers may reach it (shared/src/tenancy.ts); the platform's own clients reach every wallet.
  tenant_id     TEXT NOT NULL DEFAULT 'demo'
) STRICT;

-- One row per balance change: negative for a debit, positive for a credit or the opening balance.
CREATE TABLE IF NOT EXISTS ledger_entries (
  id                     INTEGER PRIMARY KEY,
  transaction_id         TEXT NOT NULL,
  wallet_id              TEXT NOT NULL REFERENCES wallets (wallet_id),
  amount                 INTEGER NOT NULL CHECK (amount <> 0),
  kind                   TEXT NOT NULL CHECK (kind IN ('opening', 'debit', 'credit')),
  counterparty_wallet_id TEXT,
  client_id              TEXT,
  created_at             TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS ledger_entries_wallet ON ledger_entries (wallet_id);

-- A successful debit per (calling client, Idempotency-Key): a retry gets the first answer, and moves no money twice.
CREATE TABLE IF NOT EXISTS idempotent_debits (
  client_id       TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  request_hash    TEXT NOT NULL,
  response        TEXT NOT NULL,
  created_at      TEXT NOT NULL,
  PRIMARY KEY (client_id, idempotency_key)
) STRICT, WITHOUT ROWID;
`;

/** A database made before wallets had a tenant: its wallets are the demo tenant's, as the seeded ones are. */
export const ADD_TENANT_COLUMN = "ALTER TABLE wallets ADD COLUMN tenant_id TEXT NOT NULL DEFAULT 'demo'";
