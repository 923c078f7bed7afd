import { buildCopiedProject, type ProjectKind } from './support/copiedProject';

// The copyable files compile, without an edit, in the projects people have. Each gets a user file
// that imports it the way every kind accepts (`.js` on relative imports) and uses its options.
const MIDDLEWARE_USER = `
import express from 'express';
import * as stytch from 'stytch';
import { authorizeToken } from './authorizeToken.js';

const client = new stytch.Client({ project_id: 'project-test-x', secret: 'secret-test-x', env: stytch.envs.test });
const app = express();
app.get('/orders', authorizeToken('read:orders', { client, maxTokenAgeSeconds: 600, clockToleranceSeconds: 5 }), (req, res) => {
  res.json({ caller: req.m2m?.client_id });
});
export default app;
`;

const TOKEN_CLIENT_USER = `
import * as stytch from 'stytch';
import { TokenProvider } from './m2m/tokenProvider.js';
import { TokenUnavailableError } from './m2m/tokenErrors.js';

const tokens = new TokenProvider({
  stytch: new stytch.Client({ project_id: 'project-test-x', secret: 'secret-test-x', env: stytch.envs.test }),
  credentials: { clientId: 'm2m-client-test-x', clientSecret: 'secret' },
});
export async function token(): Promise<string | undefined> {
  try {
    return await tokens.getToken(['read:users']);
  } catch (err) {
    if (err instanceof TokenUnavailableError) return undefined;
    throw err;
  }
}
`;

const kinds: ProjectKind[] = ['commonjs', 'esm', 'tsc-init'];

describe.each(kinds)('the copyable files in a %s project', (kind) => {
  it('authorizeToken.ts compiles as copied', async () => {
    const project = await buildCopiedProject(
      [['shared/src/middleware/authorizeToken.ts', 'authorizeToken.ts']],
      { 'app.ts': MIDDLEWARE_USER },
      kind,
    );
    project.remove();
  }, 60_000);

  it('the m2m/ folder compiles as copied', async () => {
    const project = await buildCopiedProject([['payment-server/src/m2m', 'm2m']], { 'tokens.ts': TOKEN_CLIENT_USER }, kind);
    project.remove();
  }, 60_000);
});

it('a type error in such a project fails the build (the check can fail)', async () => {
  await expect(
    buildCopiedProject([['payment-server/src/m2m', 'm2m']], { 'tokens.ts': `${TOKEN_CLIENT_USER}\nvoid token(1);\n` }, 'tsc-init'),
  ).rejects.toThrow(/tsc refused/);
}, 60_000);
