import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { RunningAuthServer } from '@m2m/auth-server';
import { buildCopiedProject, type CopiedProject } from '../../shared/test/support/copiedProject';
import { createClient, startAuth, type TestClient } from './support/stack';

const run = promisify(execFile);
const m2mDir = path.resolve(__dirname, '..', 'src', 'm2m');

/** What a user writes around the copied folder: a Stytch client from the environment, two scope sets, a burst. */
const USER_SCRIPT = `
import * as stytch from 'stytch';
import { TokenProvider } from './m2m/tokenProvider';
import { TokenUnavailableError } from './m2m/tokenErrors';

async function main(): Promise<void> {
  const client = new stytch.Client({ project_id: process.env.STYTCH_PROJECT_ID!, secret: process.env.STYTCH_SECRET!, env: process.env.STYTCH_ENV! });
  const tokens = new TokenProvider({ stytch: client, credentials: { clientId: process.env.CLIENT_ID!, clientSecret: process.env.CLIENT_SECRET! } });
  const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => tokens.getToken([i % 2 ? 'read:users' : 'write:wallets'])));
  const requests = tokens.stats().tokenRequests;
  tokens.setCredentials({ clientId: process.env.CLIENT_ID!, clientSecret: 'wrong-secret-0123456789' });
  tokens.invalidate(['read:users']);
  const failure = await tokens.getToken(['read:users']).catch((err: unknown) => err);
  console.log(JSON.stringify({
    distinct: new Set(burst).size,
    requests,
    failure: failure instanceof TokenUnavailableError ? { reason: failure.reason, retryable: failure.retryable } : String(failure),
  }));
  tokens.close();
}
main().catch((err) => { console.error(err); process.exit(1); });
`;

describe('src/m2m copied alone into another project', () => {
  let auth: RunningAuthServer;
  let client: TestClient;
  let project: CopiedProject | undefined;

  beforeAll(async () => {
    auth = await startAuth();
    client = await createClient(auth);
  });
  afterAll(async () => {
    await auth.close();
    project?.remove();
  });

  it('imports nothing but node-cache, stytch and its own files', () => {
    for (const file of fs.readdirSync(m2mDir)) {
      const source = fs.readFileSync(path.join(m2mDir, file), 'utf8');
      const imported = [...source.matchAll(/^import[^;]*?from '([^']+)'/gm)].map((m) => m[1]!);
      for (const name of imported) expect(['node-cache', 'stytch'].includes(name) || name.startsWith('./')).toBe(true);
      expect(source).not.toMatch(/require\(/);
    }
  });

  it('compiles with tsc and gets tokens: one request per scope set for a burst, typed errors', async () => {
    project = await buildCopiedProject([['payment-server/src/m2m', 'm2m']], { 'main.ts': USER_SCRIPT });
    expect(project.errors).toEqual([]);
    const { stdout } = await run(process.execPath, [project.compiled('main.ts')], {
      cwd: project.dir,
      env: {
        PATH: process.env.PATH,
        STYTCH_PROJECT_ID: auth.projectId,
        STYTCH_SECRET: auth.projectSecret,
        STYTCH_ENV: auth.url,
        CLIENT_ID: client.clientId,
        CLIENT_SECRET: client.clientSecret,
      },
    });
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as unknown;
    expect(result).toEqual({ distinct: 2, requests: 2, failure: { reason: 'invalid_client', retryable: false } });
  });
});
