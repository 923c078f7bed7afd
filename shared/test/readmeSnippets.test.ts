import fs from 'node:fs';
import path from 'node:path';
import { buildCopiedProject } from './support/copiedProject';
import { repoRoot } from './support/npmStart';

/** The TypeScript blocks of the README's "Use it in your own app" section. */
function snippets(): string[] {
  const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const start = readme.indexOf('## Use it in your own app');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** Each snippet as the user's app.ts, next to the files it says to copy and nothing else of ours. */
async function typecheck(snippet: string, copies: [from: string, to: string][]): Promise<void> {
  (await buildCopiedProject(copies, { 'app.ts': snippet })).remove();
}

describe("the README's copy-into-your-app snippets", () => {
  const [middleware, tokenClient] = snippets();

  it('has the two snippets this test knows', () => {
    expect(snippets()).toHaveLength(2);
  });

  it('the middleware snippet compiles next to a copied authorizeToken.ts', async () => {
    await expect(typecheck(middleware!, [['shared/src/middleware/authorizeToken.ts', 'authorizeToken.ts']])).resolves.toBeUndefined();
  });

  it('the TokenProvider snippet compiles next to a copied m2m/ folder', async () => {
    await expect(typecheck(tokenClient!, [['payment-server/src/m2m', 'm2m']])).resolves.toBeUndefined();
  });

  it('a snippet that misuses the API does not compile (the check can fail)', async () => {
    await expect(
      typecheck(`${tokenClient!}\nvoid tokens.getToken('read:users');\n`, [['payment-server/src/m2m', 'm2m']]),
    ).rejects.toThrow();
  });
});
