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

// A use the compiler must refuse, in the same program: proof, for each kind, that the check can fail.
const MISUSE = `
import { token } from './tokens.js';
void token(1);
`;

const kinds: ProjectKind[] = ['commonjs', 'esm', 'tsc-init'];

describe.each(kinds)('the copyable files in a %s project', (kind) => {
  it('authorizeToken.ts and the m2m/ folder compile as copied; a misuse of them does not', async () => {
    const project = await buildCopiedProject(
      [
        ['shared/src/middleware/authorizeToken.ts', 'authorizeToken.ts'],
        ['payment-server/src/m2m', 'm2m'],
      ],
      { 'app.ts': MIDDLEWARE_USER, 'tokens.ts': TOKEN_CLIENT_USER, 'misuse.ts': MISUSE },
      kind,
    );
    project.remove();
    // Only the misuse, and it for what it is: an argument the function does not take.
    expect(project.errors).toEqual([expect.stringMatching(/^src\/misuse\.ts\(3,\d+\): error TS2554: Expected 0 arguments, but got 1/)]);
  }, 60_000);
});
