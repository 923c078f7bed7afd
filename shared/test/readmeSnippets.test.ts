import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './support/npmStart';

const run = promisify(execFile);

/** The TypeScript blocks of the README's "Use it in your own app" section. */
function snippets(): string[] {
  const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const start = readme.indexOf('## Use it in your own app');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/**
 * Each snippet, with the files it says to copy and nothing else of ours, in a fresh folder inside
 * the repository (so `express`, `stytch` and `node-cache` resolve from node_modules as in an app
 * that installed them), type-checked with the strict settings.
 */
async function typecheck(snippet: string, copies: [from: string, to: string][]): Promise<void> {
  const dir = fs.mkdtempSync(path.join(repoRoot, '.data', 'readme-snippet-'));
  try {
    for (const [from, to] of copies) fs.cpSync(path.join(repoRoot, from), path.join(dir, to), { recursive: true });
    fs.writeFileSync(path.join(dir, 'app.ts'), snippet);
    // A typical app's settings, strict.
    const compilerOptions = { noEmit: true, strict: true, target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', types: ['node'], skipLibCheck: true };
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['**/*.ts'] }));
    const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    await run(process.execPath, [tsc, '-p', dir], { cwd: dir }).catch((err: { stdout?: string }) => {
      throw new Error(`tsc refused the snippet:\n${err.stdout ?? String(err)}`);
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("the README's copy-into-your-app snippets", () => {
  beforeAll(() => fs.mkdirSync(path.join(repoRoot, '.data'), { recursive: true }));
  const [middleware, tokenClient] = snippets();

  it('has the two snippets this test knows', () => {
    expect(snippets()).toHaveLength(2);
  });

  it('the middleware snippet compiles next to a copied authorizeToken.ts', async () => {
    await expect(typecheck(middleware!, [['wallet-server/src/middleware/authorizeToken.ts', 'authorizeToken.ts']])).resolves.toBeUndefined();
  });

  it('the TokenProvider snippet compiles next to a copied m2m/ folder', async () => {
    await expect(typecheck(tokenClient!, [['payment-server/src/m2m', 'm2m']])).resolves.toBeUndefined();
  });

  it('a snippet that misuses the API does not compile (the check can fail)', async () => {
    await expect(typecheck(`${tokenClient!}\nvoid tokens.getToken('read:users');\n`, [['payment-server/src/m2m', 'm2m']])).rejects.toThrow();
  });
});
