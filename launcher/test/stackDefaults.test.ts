import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import newman, { type NewmanRunSummary } from 'newman';
import { readJsonFile } from '@m2m/shared';
import { httpProbe } from '../src/httpProbe';
import { bashBlocks } from '../../test/support/readmeBlocks';
import { logLinesOf, npmStart, payAsTheBannerSays, repoRoot, type NpmStart } from './support/npmStart';
import { copyWorkingTree, type WorkingTreeCopy } from './support/workingTreeCopy';

// The front door: `npm start` as a newcomer types it, and what the banner, the README and the
// Postman collection tell them to run against it, as typed: the default ports, `.data/` in the
// clone. In a newcomer's order, on one stack: each test starts from what the ones before it did.
// The only test that binds the default ports (every other one picks free ports), so it can run
// alongside the rest of the suite.
const run = promisify(execFile);
const DEFAULT_PORTS = { 'auth-server': 4010, 'wallet-server': 4000, 'payment-server': 4020 };

/** Fails at once, naming the port, when something already listens there (a stack left running, say). */
async function assertFree(name: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `port ${port} (${name}'s default) is ${err.code === 'EADDRINUSE' ? 'in use: stop the stack running there (Ctrl-C in its terminal)' : `unusable (${err.code})`} and run this test again`,
        ),
      ),
    );
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}

const POSTMAN = path.join(repoRoot, 'postman');

function runCollection(envVar: { key: string; value: string }[]): Promise<NewmanRunSummary> {
  return new Promise((resolve, reject) => {
    newman.run(
      {
        collection: path.join(POSTMAN, 'stytch-m2m.postman_collection.json'),
        environment: path.join(POSTMAN, 'local.postman_environment.json'),
        envVar,
        reporters: [],
      },
      (err, summary) => (err ? reject(err) : resolve(summary)),
    );
  });
}

const failuresOf = (summary: NewmanRunSummary) =>
  summary.run.failures.map((f) => `${f.source?.name ?? '?'}: ${f.error.test} ${f.error.message}`);

/** Every http URL in `text`, cut before a shell variable or a quote. */
function urlsIn(text: string): string[] {
  return [...new Set([...text.matchAll(/https?:\/\/[^\s'"`)$<>,]+/g)].map((m) => m[0].replace(/[.:]+$/, '')))];
}

/** The URLs users are told to call: the banner, the README, each server's README, the Postman environment, .env.example. */
function documentedLocalUrls(): string[] {
  const files = [
    'README.md',
    'auth-server/README.md',
    'wallet-server/README.md',
    'payment-server/README.md',
    'postman/local.postman_environment.json',
    '.env.example',
  ];
  return urlsIn(files.map((f) => fs.readFileSync(path.join(repoRoot, f), 'utf8')).join('\n')).filter((u) =>
    u.startsWith('http://127.0.0.1:'),
  );
}

/** The URLs fetch got no HTTP answer from, with its reason. Any status counts (a GET on a POST route is a 404). */
async function unanswered(urls: string[]): Promise<string[]> {
  const failures: string[] = [];
  for (const url of urls) {
    await fetch(url).then(
      (res) => res.body?.cancel(),
      (err: unknown) => {
        const { cause, message } = err as Error & { cause?: Error };
        failures.push(`${url}: ${cause?.message ?? message}`);
      },
    );
  }
  return failures;
}

describe('npm start on the defaults: a fresh clone, no .env, no variables, the default ports', () => {
  let clone: WorkingTreeCopy | undefined;
  let stack: NpmStart | undefined;
  let output = '';
  const dataFile = (name: string) => path.join(clone!.dir, '.data', name);

  beforeAll(async () => {
    for (const [name, port] of Object.entries(DEFAULT_PORTS)) await assertFree(name, port);
    clone = copyWorkingTree();
    // No variable of ours: npmStart passes only PATH and HOME.
    stack = npmStart({}, undefined, clone.dir);
    output = await stack.waitFor('Stytch M2M stack is ready');
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    clone?.remove();
  });

  it("is ready on 4010, 4000 and 4020, and keeps its state in the clone's .data", () => {
    expect(output).toContain('auth-server     http://127.0.0.1:4010/');
    expect(output).toContain('wallet-server   http://127.0.0.1:4000/');
    expect(output).toContain('payment-server  http://127.0.0.1:4020/');
    expect(fs.existsSync(dataFile('payment-server-credentials.json'))).toBe(true);
    // The demo caller's credentials are kept like the payment-server's own: 0600 under DATA_DIR.
    expect(fs.statSync(dataFile('demo-caller-credentials.json')).mode & 0o777).toBe(0o600);
  });

  it('prints the console link, whose page is the sign-in form', async () => {
    expect(output).toContain('console         http://127.0.0.1:4010/console   sign in with the project credentials');
    expect(await (await fetch('http://127.0.0.1:4010/console')).text()).toContain('action="/console/sign-in"');
  });

  it('pipes JSON lines, one server per `name`, none of them carrying a secret', () => {
    for (const name of ['auth-server', 'wallet-server', 'payment-server']) expect(logLinesOf(output, name).length).toBeGreaterThan(0);
    const project = readJsonFile<{ secret: string }>(dataFile('stytch-project.json'))!;
    const adminKey = fs.readFileSync(dataFile('payment-server-admin-key'), 'utf8').trim();
    const caller = readJsonFile<{ client_secret: string }>(dataFile('demo-caller-credentials.json'))!;
    expect(output).toContain('payment-server-admin-key');
    for (const secret of [project.secret, adminKey, caller.client_secret]) expect(output).not.toContain(secret);
  });

  it('makes the payment the banner prints, run as printed', async () => {
    expect(await payAsTheBannerSays(output, { cwd: clone!.dir })).toMatchObject({ transactionId: expect.any(String), walletBalance: 1690 });
  });

  describe("the README's curl walkthrough, run as typed", () => {
    /** One README block (or several, in one shell) as a user pastes it, in the clone; its stdout. */
    const runAsTyped = async (block: string): Promise<string> =>
      (
        await run('bash', ['-euo', 'pipefail', '-c', block], {
          cwd: clone!.dir,
          env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
        })
      ).stdout;
    const blocks = bashBlocks('Walkthrough with curl');

    it('has the four blocks this test knows', () => {
      expect(blocks).toHaveLength(4);
    });

    let firstPayment: { transactionId: string };

    it("gets the demo caller a token, pays once for two requests with one Idempotency-Key, refuses an overdraft (409, no balance), a destination we don't hold (404) and no token (401)", async () => {
      const [first, retry, overdraft, nowhere, anonymous] = (await runAsTyped(blocks[0]!))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      // John had 1790; the banner's payment above took 100.
      expect(first).toMatchObject({ walletBalance: 1590, idempotencyKey: 'order-1001' });
      expect(retry).toEqual(first);
      expect(overdraft.error.code).toBe('insufficient_funds');
      expect(overdraft.error.message).not.toMatch(/\d/);
      expect(nowhere.error.code).toBe('destination_not_found');
      expect(anonymous.error.code).toBe('missing_token');
      firstPayment = first;
    });

    it('gets a token by hand and shows 200, 401 with a challenge, and 403 insufficient_scope at the wallet', async () => {
      const stdout = await runAsTyped(blocks[1]!);
      expect(stdout).toContain('"customerName":"john_doe"');
      expect(stdout).toMatch(/HTTP\/1.1 401[\s\S]*WWW-Authenticate: Bearer realm=/i);
      expect(stdout).toMatch(/HTTP\/1.1 403[\s\S]*error="insufficient_scope"[^\n]*scope="write:wallets"/i);
    });

    it('rotates the secret and searches clients through the admin routes, showing no secret', async () => {
      const secret = () => readJsonFile<{ client_secret: string }>(dataFile('payment-server-credentials.json'))!.client_secret;
      const before = secret();
      const stdout = await runAsTyped(blocks[2]!);
      const [rotation, search] = stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      const after = secret();
      expect(after).not.toBe(before);
      expect(rotation.client_secret_last_four).toBe(after.slice(-4));
      expect(search.m2m_clients.map((c: { client_name: string }) => c.client_name)).toContain('payment-service');
      expect(stdout).not.toContain(after);
      expect(stdout).not.toContain(before);
    });

    it('makes another caller the Stytch way (a write:payments client, a token, Bearer), whose order-1001 is its own payment', async () => {
      const paid = JSON.parse((await runAsTyped(blocks[3]!)).trim()) as { transactionId: string; customerName: string };
      expect(paid).toMatchObject({ customerName: 'jane_doe', idempotencyKey: 'order-1001', transactionId: expect.any(String) });
      expect(paid.transactionId).not.toBe(firstPayment.transactionId);
    });

    it("scrapes the three servers' metrics as the Metrics section shows, after the payments above", async () => {
      const [block, ...others] = bashBlocks('Metrics');
      expect(others).toHaveLength(0);
      const stdout = await runAsTyped(block!);
      const value = (sample: string) => Number(new RegExp(`^${sample.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(stdout)?.[1]);
      // Tokens for the callers and the payment-server; the banner's payment and the walkthrough's two, one of them replayed.
      expect(value('m2m_tokens_issued_total')).toBeGreaterThanOrEqual(4);
      expect(value('payments_total{outcome="debited"}')).toBe(3);
      expect(value('payments_total{outcome="replayed"}')).toBe(1);
      expect(value('payments_total{outcome="insufficient_funds"}')).toBe(1);
      expect(value('m2m_token_verifications_total{outcome="missing_token"}')).toBeGreaterThanOrEqual(1);
      expect(stdout).not.toContain(fs.readFileSync(dataFile('metrics-token'), 'utf8').trim());
    });

    it("reads the audit trail as the console section shows: the walkthrough's tokens and changes, newest first, no secret", async () => {
      const [block] = bashBlocks('The console and the audit log');
      const stdout = await runAsTyped(block!);
      const page = JSON.parse(stdout.trim()) as { events: Array<{ event_id: number; type: string }>; next_cursor: string | null };
      expect(page.events).toHaveLength(5);
      const ids = page.events.map((e) => e.event_id);
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
      // The walkthrough's last step made a client and got it a token: the newest events say so.
      expect(page.events.map((e) => e.type)).toEqual(expect.arrayContaining(['token.issued', 'client.created']));
      expect(page.next_cursor).toEqual(expect.any(String));
      const project = readJsonFile<{ secret: string }>(dataFile('stytch-project.json'))!;
      expect(stdout).not.toContain(project.secret);
    });

    it('"Give your customers M2M credentials", its two blocks in order in one shell: discovers the wallet, makes a tenant client, uses it, refuses an escalation, rotates its secret and lists without secrets', async () => {
      const customerBlocks = bashBlocks('Give your customers M2M credentials');
      expect(customerBlocks).toHaveLength(2);
      const lines = (await runAsTyped(customerBlocks.join('\n'))).trim().split('\n');
      const [discovery, service, balance, escalation, completed, oldSecret] = lines.slice(0, 6).map((line) => JSON.parse(line));
      const walletUrl = 'http://127.0.0.1:4000';
      expect(discovery).toMatchObject({
        issuer: walletUrl,
        token_endpoint: `${walletUrl}/oauth2/token`,
        jwks_uri: `${walletUrl}/.well-known/jwks.json`,
      });
      expect(service.m2m_client).toMatchObject({
        client_name: 'demo-reporting',
        scopes: ['read:users'],
        trusted_metadata: { tenant_id: 'demo' },
      });
      expect(balance).toMatchObject({ customerName: 'john_doe' });
      expect(escalation.error.code).toBe('scope_not_held');
      expect(completed.m2m_client.next_client_secret_last_four).toBeNull();
      expect(oldSecret).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
      expect(lines[6]).toBe('200');
      const listed = JSON.parse(lines[7]!) as { m2m_clients: { client_name: string }[] };
      expect(listed.m2m_clients.map((c) => c.client_name).sort()).toEqual(['demo-reporting', 'demo-tenant-owner']);
      // The service's first secret shows in the create answer (echoed above) only; the list shows none.
      expect(lines[7]).not.toContain(service.m2m_client.client_secret);
    });
  });

  it("runs the README's newman command as written: the whole Postman collection passes", async () => {
    const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    const command = /```bash\n(npx newman run [\s\S]*?)```/.exec(readme)?.[1];
    expect(command).toContain('--env-var admin_key=');
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', command!], {
      cwd: clone!.dir,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    });
    // newman's summary table: │ <what> │ executed │ failed │
    const row = (what: string) => {
      const cells = new RegExp(`│\\s+${what}\\s+│\\s+(\\d+)\\s+│\\s+(\\d+)\\s+│`).exec(stdout);
      return cells ? { executed: Number(cells[1]), failed: Number(cells[2]) } : undefined;
    };
    // 53 in the collection, plus the pre-request script's discovery and caller token: once, then reused.
    expect(row('requests')).toEqual({ executed: 55, failed: 0 });
    expect(row('assertions')).toEqual({ executed: expect.any(Number), failed: 0 });
    // Every request asserts at least its status.
    expect(row('assertions')!.executed).toBeGreaterThanOrEqual(55);
  }, 60_000);

  // The collection as shipped (its environment file names these ports), run by newman's API.
  it('the Postman collection without admin_key stops at the first request, with one failure that says what to do', async () => {
    const summary = await runCollection([]);
    expect(summary.run.stats.requests.total).toBe(1);
    const failures = failuresOf(summary);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(
      /^Check the environment: admin_key is set and accepted: admin_key is set: paste the content of \.data\/payment-server-admin-key/,
    );
  });

  it('the Postman collection with a wrong admin_key stops at the first request too', async () => {
    const summary = await runCollection([{ key: 'admin_key', value: 'not-the-admin-key-0123456789abcdef-0123' }]);
    expect(summary.run.stats.requests.total).toBe(1);
    expect(failuresOf(summary)).toEqual([expect.stringContaining('accepts admin_key (status 200)')]);
  });

  it("answers Node's fetch at every URL the banner prints", async () => {
    const printed = urlsIn(output.slice(output.indexOf('Stytch M2M stack is ready')));
    expect(printed).toEqual(
      expect.arrayContaining([
        'http://127.0.0.1:4010/',
        'http://127.0.0.1:4000/',
        'http://127.0.0.1:4020/',
        'http://127.0.0.1:4020/initiate-payment',
      ]),
    );
    expect(await unanswered(printed)).toEqual([]);
  });

  it("answers Node's fetch at every local URL the documentation gives", async () => {
    const documented = documentedLocalUrls();
    expect(documented.length).toBeGreaterThan(10);
    expect(await unanswered(documented)).toEqual([]);
  });

  it('stops with code 0 on SIGTERM and frees the default ports', async () => {
    expect(await stack!.stop()).toBe(0);
    for (const port of Object.values(DEFAULT_PORTS))
      expect(await httpProbe(`http://127.0.0.1:${port}/healthz`, 1_000)).toEqual({ ok: false, reason: 'ECONNREFUSED' });
  });

  it('the next npm start reuses the project, the payment-service client, the demo caller and the books; when one server dies it stops the others and exits non-zero', async () => {
    const state = () => [
      fs.readFileSync(dataFile('stytch-project.json'), 'utf8'),
      readJsonFile<{ client_id: string }>(dataFile('payment-server-credentials.json'))!.client_id,
      fs.readFileSync(dataFile('demo-caller-credentials.json'), 'utf8'),
    ];
    const before = state();
    const books = new Database(dataFile('wallet-server.db'), { readonly: true });
    const { balance } = books.prepare("SELECT balance FROM wallets WHERE customer_id = '67uhjio098uhgt6l'").get() as { balance: number };
    books.close();

    stack = npmStart({}, undefined, clone!.dir);
    const next = await stack.waitFor('Stytch M2M stack is ready');
    expect(state()).toEqual(before);
    // The wallet kept its books: this payment comes off what the payments before the restart left.
    expect(await payAsTheBannerSays(next, { cwd: clone!.dir })).toMatchObject({ walletBalance: balance - 100 });

    const walletPid = logLinesOf(stack.output(), 'wallet-server').find((line) => typeof line.pid === 'number')?.pid as number;
    process.kill(walletPid, 'SIGKILL');
    expect(await stack.exited).toBe(1);
    expect(stack.output()).toMatch(/wallet-server exited .*stopping the others/);
    for (const port of [DEFAULT_PORTS['auth-server'], DEFAULT_PORTS['payment-server']])
      expect(await httpProbe(`http://127.0.0.1:${port}/healthz`, 1_000)).toEqual({ ok: false, reason: 'ECONNREFUSED' });
  });
});
