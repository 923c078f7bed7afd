import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startAuthServer } from '@m2m/auth-server';
import { eventually } from '../../test/support/eventually';
import { createStytchClient } from '../src';
import { httpProbe } from '../../launcher/src/httpProbe';
import { buildCopiedProject, type CopiedProject } from './support/copiedProject';
import { repoRoot } from '../../launcher/test/support/npmStart';
import { freePort } from '../../test/support/freePort';

/** The TypeScript blocks of one README section ("Use it in your own app" by default). */
function snippets(heading = 'Use it in your own app'): string[] {
  const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const start = readme.indexOf(`## ${heading}`);
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** The files the README says to copy, and nothing else of ours. */
const COPIES: [from: string, to: string][] = [
  ['shared/src/middleware/authorizeToken.ts', 'authorizeToken.ts'],
  ['payment-server/src/m2m', 'm2m'],
];

describe("the README's copy-into-your-app snippets", () => {
  const [middleware, tokenClient] = snippets();
  const customers = snippets('Give your customers M2M credentials');
  // Each snippet is one user file of the same copied project, compiled once; a misuse of the
  // TokenProvider snippet rides along, so the same compile shows the check can fail.
  let project: CopiedProject;
  beforeAll(async () => {
    project = await buildCopiedProject(COPIES, {
      'app.ts': middleware!,
      'tokens.ts': tokenClient!,
      'customers.ts': customers[0]!,
      'misuse.ts': `${tokenClient!}\nvoid tokens.getToken('read:users');\n`,
    });
  }, 60_000);
  afterAll(() => project.remove());

  it('has the snippets this test knows: two to copy into your app, one for your customers', () => {
    expect(snippets()).toHaveLength(2);
    expect(customers).toHaveLength(1);
  });

  it('the middleware snippet (next to a copied authorizeToken.ts), the TokenProvider one and the plain-OAuth one (next to a copied m2m/ folder) compile', () => {
    expect(project.errors.filter((error) => !error.startsWith('src/misuse.ts'))).toEqual([]);
  });

  it('a snippet that misuses the API does not compile (the check can fail)', () => {
    expect(project.errors).toEqual([expect.stringMatching(/^src\/misuse\.ts\(\d+,\d+\): error TS2345: Argument of type 'string'/)]);
  });

  it('the middleware snippet runs as written against a local auth-server, with the env the README shows', async () => {
    const auth = await startAuthServer({ port: 0 });
    const port = await freePort();
    // What the README says to export for local mode, and nothing else of ours.
    const app = spawn(process.execPath, [project.compiled('app.ts')], {
      cwd: project.dir,
      env: {
        PATH: process.env.PATH,
        STYTCH_ENV: auth.url,
        STYTCH_PROJECT_ID: auth.projectId,
        STYTCH_SECRET: auth.projectSecret,
        PORT: String(port),
      },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => app.once('exit', resolve));
    try {
      const orders = `http://127.0.0.1:${port}/api/orders`;
      // Listening once it answers anything (a GET there is a 404).
      await eventually(async () => expect(await httpProbe(orders, 1_000)).not.toEqual({ ok: false, reason: 'ECONNREFUSED' }));
      const sdk = createStytchClient({ projectId: auth.projectId, secret: auth.projectSecret, baseUrl: auth.url });
      const { m2m_client } = await sdk.m2m.clients.create({ client_name: 'orders-caller', scopes: ['write:orders'] });
      const { access_token } = await sdk.m2m.token({
        client_id: m2m_client.client_id,
        client_secret: m2m_client.client_secret,
        scopes: ['write:orders'],
      });

      const ok = await fetch(orders, { method: 'POST', headers: { Authorization: `Bearer ${access_token}` } });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ caller: m2m_client.client_id, scopes: ['write:orders'] });
      const anonymous = await fetch(orders, { method: 'POST' });
      expect(anonymous.status).toBe(401);
    } finally {
      app.kill('SIGTERM');
      await exited;
      await auth.close();
    }
  }, 60_000);
});
