import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import newman, { type NewmanRunSummary } from 'newman';
import { httpProbe } from '../src/httpProbe';
import { npmStart, payAsTheBannerSays, repoRoot, type NpmStart } from './support/npmStart';
import { copyWorkingTree, type WorkingTreeCopy } from './support/workingTreeCopy';

// The front door: `npm start` as a newcomer types it, and what the README, the banner and the
// Postman collection tell them to run against it. The only test that binds the default ports
// (every other one picks free ports), so it can run alongside the rest of the suite.
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
    expect(fs.existsSync(path.join(clone!.dir, '.data', 'payment-server-credentials.json'))).toBe(true);
  });

  it('makes the payment the banner prints, run as printed', async () => {
    expect(await payAsTheBannerSays(output, { cwd: clone!.dir })).toMatchObject({ transactionId: expect.any(String), walletBalance: 1690 });
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
});
