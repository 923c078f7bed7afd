/**
 * A wallet-server in its own process, for tests that need two processes on one database file.
 * Env: WALLET_DB (file), WALLET_PROJECT (StytchProject JSON), WALLET_SEED (WalletSeed[] JSON).
 */
import { startWalletServer } from '../../src/server';

async function main() {
  const server = await startWalletServer({
    port: 0,
    databaseFile: process.env.WALLET_DB!,
    stytchProject: JSON.parse(process.env.WALLET_PROJECT!),
    seed: JSON.parse(process.env.WALLET_SEED ?? '[]'),
  });
  process.stdout.write(`listening ${server.url}\n`);
  process.on('SIGTERM', () => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
