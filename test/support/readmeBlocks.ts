import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../launcher/test/support/npmStart';

/** The bash blocks of one section (`## <section>`, up to the next `## `) of a markdown file of the repository, in order. */
export function bashBlocks(section: string, file = 'README.md'): string[] {
  const readme = fs.readFileSync(path.join(repoRoot, file), 'utf8');
  const start = readme.indexOf(`## ${section}`);
  if (start === -1) throw new Error(`${file} has no section "${section}"`);
  const end = readme.indexOf('\n## ', start + 1);
  const text = readme.slice(start, end === -1 ? undefined : end);
  return [...text.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** Where the servers of a test listen and keep their state, in npm start's variables. */
export interface StackPlaces {
  DATA_DIR: string;
  AUTH_SERVER_PORT: string;
  WALLET_SERVER_PORT: string;
  PAYMENT_SERVER_PORT: string;
}

/** The README's commands use the default ports and `.data/`; the test's stack runs elsewhere. */
export function onThisStack(block: string, env: StackPlaces): string {
  return block
    .replaceAll('127.0.0.1:4010', `127.0.0.1:${env.AUTH_SERVER_PORT}`)
    .replaceAll('127.0.0.1:4000', `127.0.0.1:${env.WALLET_SERVER_PORT}`)
    .replaceAll('127.0.0.1:4020', `127.0.0.1:${env.PAYMENT_SERVER_PORT}`)
    .replaceAll('./.data/', `${env.DATA_DIR}/`)
    .replaceAll('.data/', `${env.DATA_DIR}/`);
}
