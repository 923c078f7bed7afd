import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../test/support/tempDir';
import type { RunningAuthServer } from '@m2m/auth-server';
import { SqliteWalletStore } from '../src/wallets/sqliteWalletStore';
import { accessToken, createM2MClient, projectOf, sdk, startAuth } from '../../test/support/stack';

const repoRoot = path.resolve(__dirname, '..', '..');
const SEED = [
  { customerId: 'c-shared', customerName: 'shared', walletId: 'w-shared', balance: 1000 },
  { customerId: 'c-payee', customerName: 'payee', walletId: 'w-payee', balance: 0 },
];

/** Two wallet-server processes on one SQLite file: the IMMEDIATE transaction, not the event loop, keeps debits serial. */
describe('two wallet-server processes sharing one database', () => {
  let auth: RunningAuthServer;
  let dir: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    auth = await startAuth();
    dir = tempDir('wallet-processes').dir;
  });
  afterAll(async () => {
    await Promise.all(
      children
        .filter((child) => child.exitCode === null)
        .map((child) => {
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGTERM');
          return exited;
        }),
    );
    await auth.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function startProcess(databaseFile: string): Promise<string> {
    const child = spawn(
      process.execPath,
      ['--conditions=@m2m/source', '--import', 'tsx', path.join(__dirname, 'support', 'walletProcess.ts')],
      {
        cwd: repoRoot,
        env: {
          ...process.env,
          WALLET_DB: databaseFile,
          WALLET_PROJECT: JSON.stringify(projectOf(auth)),
          WALLET_SEED: JSON.stringify(SEED),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(child);
    return new Promise((resolve, reject) => {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening (\S+)/.exec(output);
        if (match) resolve(match[1]!.replace(/\/$/, ''));
      });
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', (code) => reject(new Error(`wallet process exited with ${code}: ${output}`)));
    });
  }

  it('never overdraws under 50 debits split across both, and the ledger sums to the balance', async () => {
    const file = path.join(dir, 'shared.db');
    const first = await startProcess(file);
    const second = await startProcess(file);
    const admin = sdk(auth);
    const token = await accessToken(admin, await createM2MClient(admin, ['write:wallets']));

    const statuses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        fetch(`${i % 2 ? first : second}/api/debit`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': `split-${i}` },
          body: JSON.stringify({ customerId: 'c-shared', amount: 30, destinationWalletId: 'w-payee' }),
        }).then((res) => res.status),
      ),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(33);
    expect(statuses.filter((s) => s === 409)).toHaveLength(17);

    const store = SqliteWalletStore.open(file, []);
    try {
      expect((await store.findByCustomer('c-shared'))?.balance).toBe(10);
      expect(await store.ledgerSum('w-shared')).toBe(10);
      expect((await store.findByCustomer('c-payee'))?.balance).toBe(990);
    } finally {
      await store.close();
    }
  });
});
