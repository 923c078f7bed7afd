import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repoRoot = path.resolve(__dirname, '..', '..', '..');

/** A typical user's settings, strict. */
const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'nodenext',
    moduleResolution: 'nodenext',
    strict: true,
    noUncheckedIndexedAccess: true,
    esModuleInterop: true,
    skipLibCheck: true,
    types: ['node'],
    outDir: 'dist',
    rootDir: 'src',
  },
  include: ['src'],
};

export interface CopiedProject {
  dir: string;
  /** The compiled `src/<name>.ts`. */
  compiled(name: string): string;
  remove(): void;
}

/**
 * Another project that copied some of our files and wrote its own code around them: `copies` are
 * [repo-relative source, path under src/], `files` the user's own sources under src/. Its
 * node_modules is ours (the same packages a user installs), nothing else of ours is reachable.
 * Compiled with tsc; a type error rejects with tsc's output.
 */
export async function buildCopiedProject(copies: [from: string, to: string][], files: Record<string, string>): Promise<CopiedProject> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'copied-project-'));
  const remove = () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    for (const [from, to] of copies) fs.cpSync(path.join(repoRoot, from), path.join(dir, 'src', to), { recursive: true });
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, 'src', name), text);
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'copied-project', private: true }));
    fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    await run(process.execPath, [tsc, '-p', dir], { cwd: dir }).catch((err: unknown) => {
      const stdout = (err as { stdout?: string }).stdout;
      throw new Error(`tsc refused the copied project:\n${stdout ?? String(err)}`);
    });
  } catch (err) {
    remove();
    throw err;
  }
  return { dir, compiled: (name) => path.join(dir, 'dist', name.replace(/\.ts$/, '.js')), remove };
}
