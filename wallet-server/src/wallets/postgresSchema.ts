/**
 * The wallet database on PostgreSQL: the same tables as sqliteSchema.ts, as numbered migrations
 * (postgresMigrations.ts applies the ones a database lacks, at start-up). A new column is a new
 * migration at the end of this list (an ALTER TABLE), and the same column in sqliteSchema.ts; a
 * migration that shipped is never edited.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const WALLET_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'wallets, ledger and idempotent debits',
    sql: `
CREATE TABLE wallets (
  wallet_id     text PRIMARY KEY,
  customer_id   text NOT NULL UNIQUE,
  customer_name text NOT NULL,
  balance       bigint NOT NULL CHECK (balance >= 0)
);

-- One row per balance change: negative for a debit, positive for a credit or the opening balance.
CREATE TABLE ledger_entries (
  id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  transaction_id         text NOT NULL,
  wallet_id              text NOT NULL REFERENCES wallets (wallet_id),
  amount                 bigint NOT NULL CHECK (amount <> 0),
  kind                   text NOT NULL CHECK (kind IN ('opening', 'debit', 'credit')),
  counterparty_wallet_id text,
  client_id              text,
  created_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_entries_wallet ON ledger_entries (wallet_id);

-- A successful debit per (calling client, Idempotency-Key): a retry gets the first answer, and moves no money twice.
CREATE TABLE idempotent_debits (
  client_id       text NOT NULL,
  idempotency_key text NOT NULL,
  request_hash    text NOT NULL,
  response        jsonb NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_id, idempotency_key)
);
`,
  },
  {
    version: 2,
    name: 'wallets belong to a tenant',
    // The tenant whose callers may reach the wallet; existing wallets are the demo tenant's, as the seeded ones are.
    sql: "ALTER TABLE wallets ADD COLUMN tenant_id text NOT NULL DEFAULT 'demo'",
  },
];
