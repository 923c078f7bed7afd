import fs from 'node:fs';
import path from 'node:path';
import newman, { type NewmanRunSummary } from 'newman';
import { freshStackEnv, npmStart, type NpmStart, type StackEnv } from '../../launcher/test/support/npmStart';

const collection = path.join(__dirname, '..', 'stytch-m2m.postman_collection.json');
const environment = path.join(__dirname, '..', 'local.postman_environment.json');

function runCollection(envVar: { key: string; value: string }[]): Promise<NewmanRunSummary> {
  return new Promise((resolve, reject) => {
    newman.run({ collection, environment, envVar, reporters: [] }, (err, summary) => (err ? reject(err) : resolve(summary)));
  });
}

const failuresOf = (summary: NewmanRunSummary) =>
  summary.run.failures.map((f) => `${f.source?.name ?? '?'}: ${f.error.test} ${f.error.message}`);

// The README's newman command against the default ports runs in shared/test/stackDefaults.test.ts.
describe('the Postman collection, run by newman against the stack npm start runs', () => {
  let stack: NpmStart;
  let env: StackEnv;
  // The test stack's ports, instead of the environment file's defaults.
  const urls = () => [
    { key: 'auth_url', value: `http://127.0.0.1:${env.AUTH_SERVER_PORT}` },
    { key: 'wallet_url', value: `http://127.0.0.1:${env.WALLET_SERVER_PORT}` },
    { key: 'payment_url', value: `http://127.0.0.1:${env.PAYMENT_SERVER_PORT}` },
  ];

  beforeAll(async () => {
    env = await freshStackEnv();
    stack = npmStart(env);
    await stack.waitFor('Stytch M2M stack is ready');
  });
  afterAll(() => stack.stop());

  it('without admin_key: stops at the first request, with one failure that says what to do', async () => {
    const summary = await runCollection(urls());
    expect(summary.run.stats.requests.total).toBe(1);
    const failures = failuresOf(summary);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(
      /^Check the environment: admin_key is set and accepted: admin_key is set: paste the content of \.data\/payment-server-admin-key/,
    );
  });

  it('with a wrong admin_key: stops at the first request too', async () => {
    const summary = await runCollection([...urls(), { key: 'admin_key', value: 'not-the-admin-key-0123456789abcdef-0123' }]);
    expect(summary.run.stats.requests.total).toBe(1);
    expect(failuresOf(summary)).toEqual([expect.stringContaining('accepts admin_key (status 200)')]);
  });

  it('passes every assertion of every request', async () => {
    const adminKey = fs.readFileSync(path.join(env.DATA_DIR, 'payment-server-admin-key'), 'utf8').trim();
    // What a Postman user pastes into the environment: the demo caller's credentials.
    const caller = JSON.parse(fs.readFileSync(path.join(env.DATA_DIR, 'demo-caller-credentials.json'), 'utf8')) as {
      client_id: string;
      client_secret: string;
    };
    const summary = await runCollection([
      ...urls(),
      { key: 'admin_key', value: adminKey },
      { key: 'caller_client_id', value: caller.client_id },
      { key: 'caller_client_secret', value: caller.client_secret },
    ]);

    expect(failuresOf(summary)).toEqual([]);
    const requests = summary.run.stats.requests;
    // 53 in the collection, plus the pre-request script's discovery and caller token: once, then reused.
    expect(requests.total).toBe(55);
    expect(requests.failed).toBe(0);
    // Every request asserts at least its status.
    expect(summary.run.stats.assertions.total).toBeGreaterThanOrEqual(requests.total ?? Infinity);
    expect(summary.run.stats.assertions.failed).toBe(0);
  });
});
