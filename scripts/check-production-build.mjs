// Proves the production path on a clean copy of this working tree: `npm ci`, `npm run build`,
// `npm prune --omit=dev` (no tsx, no TypeScript), then the three servers from their dist/ with
// production dependencies only, each on a free port: /readyz, a token, a balance and a caller's payment.
// The auth-server's and the wallet-server's /readyz query their SQLite files, so better-sqlite3's
// native binding is proven to load from the pruned install.
// Run: node scripts/check-production-build.mjs   (KEEP_BUILD_DIR=1 keeps the copy for a look)
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-production-build-'));
const CUSTOMER = '67uhjio098uhgt6l';
const DESTINATION = 'ui099jlolrrao6g';
const children = [];

function step(message) {
  process.stdout.write(`check-production-build: ${message}\n`);
}

/** Tracked and untracked-but-not-ignored files, as they are now: what a commit of this tree would hold. */
function copyWorkingTree() {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repoRoot, encoding: 'utf8' });
  for (const file of listed.split('\0').filter(Boolean)) {
    const from = path.join(repoRoot, file);
    if (!fs.existsSync(from)) continue; // deleted in the working tree
    fs.mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
    fs.copyFileSync(from, path.join(work, file));
    fs.chmodSync(path.join(work, file), fs.statSync(from).mode);
  }
}

/** npm's own npm_* variables (set when this runs under `npm run`) would leak into the nested npm. */
function cleanEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_')));
}

function npm(...args) {
  step(`npm ${args.join(' ')}`);
  execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd: work, env: cleanEnv(), stdio: 'inherit' });
}

function assertDevToolsGone() {
  for (const tool of ['tsx', 'typescript', 'jest', 'ts-jest']) {
    if (fs.existsSync(path.join(work, 'node_modules', tool))) throw new Error(`${tool} is still installed after npm prune --omit=dev`);
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** `node <workspace>/dist/main.js`, as a deployment runs it; resolves once /readyz answers 200. */
async function startFromBuild(workspace, port, env) {
  const child = spawn(process.execPath, [path.join(workspace, 'dist', 'main.js')], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  let exitCode;
  child.once('exit', (code, signal) => (exitCode = code ?? signal));
  children.push({ workspace, child, output: () => output });

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exitCode !== undefined) throw new Error(`${workspace} exited (${exitCode}) before it was ready:\n${output}`);
    const ready = await fetch(`${url}/readyz`).then(
      (res) => res.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`${workspace} was not ready within 30 s:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  step(`${workspace} ready at ${url} (from ${workspace}/dist/main.js)`);
  return url;
}

async function expectJson(response, what) {
  const body = await response.json().catch(() => undefined);
  if (!response.ok) throw new Error(`${what}: HTTP ${response.status} ${JSON.stringify(body)}`);
  return body;
}

async function exercise({ auth, wallet, payment, dataDir }) {
  const readData = (file) => JSON.parse(fs.readFileSync(path.join(dataDir, file), 'utf8'));
  const { project_id: projectId } = readData('stytch-project.json');
  /** An access token by the client-credentials grant, for the client stored in `file`. */
  const tokenFor = async (file, scope) => {
    const { client_id, client_secret } = readData(file);
    const token = await expectJson(
      await fetch(`${auth}/v1/public/${projectId}/oauth2/token`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id, client_secret, scope }),
      }),
      `token (${scope})`,
    );
    if (typeof token.access_token !== 'string') throw new Error(`token: no access_token in ${JSON.stringify(Object.keys(token))}`);
    step(`token: the auth-server issued a ${scope} access token`);
    return token.access_token;
  };

  const balance = await expectJson(
    await fetch(`${wallet}/api/check-balance`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${await tokenFor('payment-server-credentials.json', 'read:users')}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ customerId: CUSTOMER }),
    }),
    'check-balance',
  );
  if (typeof balance.walletBalance !== 'number') throw new Error(`check-balance: no walletBalance in ${JSON.stringify(balance)}`);
  step(`balance: the wallet-server verified the token and answered ${balance.walletBalance}`);

  // The payment API's caller: the demo caller the payment-server provisions in local mode.
  const callerToken = await tokenFor('demo-caller-credentials.json', 'write:payments');
  const paid = await expectJson(
    await fetch(`${payment}/initiate-payment`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${callerToken}`, 'Content-Type': 'application/json', 'Idempotency-Key': 'production-build-check' },
      body: JSON.stringify({ customerId: CUSTOMER, debitAmount: 1, destinationWalletId: DESTINATION }),
    }),
    'initiate-payment',
  );
  if (paid.walletBalance !== balance.walletBalance - 1)
    throw new Error(`initiate-payment: expected balance ${balance.walletBalance - 1}, got ${JSON.stringify(paid)}`);
  step(`payment: the caller's token was verified, the payment-server fetched its own tokens and debited 1 (balance ${paid.walletBalance})`);
}

async function stopAll() {
  await Promise.all(
    children.map(({ child }) =>
      child.exitCode !== null || child.signalCode !== null
        ? undefined
        : new Promise((resolve) => {
            child.once('exit', resolve);
            child.kill('SIGTERM');
          }),
    ),
  );
}

async function main() {
  step(`copying the working tree to ${work}`);
  copyWorkingTree();
  npm('ci');
  npm('run', 'build');
  npm('prune', '--omit=dev');
  assertDevToolsGone();
  step('production dependencies only: tsx, typescript and jest are gone');

  const [authPort, walletPort, paymentPort] = [await freePort(), await freePort(), await freePort()];
  const dataDir = path.join(work, '.data');
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? os.homedir(),
    NODE_ENV: 'production',
    STYTCH_ENV: 'local',
    HOST: '127.0.0.1',
    AUTH_SERVER_PORT: String(authPort),
    WALLET_SERVER_PORT: String(walletPort),
    PAYMENT_SERVER_PORT: String(paymentPort),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
  };
  const auth = await startFromBuild('auth-server', authPort, env);
  const wallet = await startFromBuild('wallet-server', walletPort, env);
  const payment = await startFromBuild('payment-server', paymentPort, env);
  await exercise({ auth, wallet, payment, dataDir });
}

try {
  await main();
  step('ok');
} catch (err) {
  process.exitCode = 1;
  process.stderr.write(`check-production-build: FAILED: ${err instanceof Error ? err.message : String(err)}\n`);
  for (const { workspace, output } of children) process.stderr.write(`--- ${workspace} output ---\n${output().slice(-4000)}\n`);
} finally {
  await stopAll();
  if (process.env.KEEP_BUILD_DIR) step(`kept ${work}`);
  else fs.rmSync(work, { recursive: true, force: true });
}
