import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from '../../../test/support/tempDir';

const run = promisify(execFile);
const repoRoot = path.resolve(__dirname, '..', '..', '..');

/** A typical user's settings, strict; with a package.json of no "type", a CommonJS project. */
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

/**
 * The kinds of project our files get copied into, each compiled by the TypeScript such a project
 * has today: the current one (7) where it takes the settings, 6 (the last that does) for the classic ones.
 * - `nodenext`: the strict settings above in a package of no "type" (CommonJS output); TypeScript 7;
 * - `commonjs`: the same with the classic `module: commonjs` and its resolution (node10); TypeScript 6;
 * - `esm`: the same in a `"type": "module"` package (relative imports must carry `.js`); TypeScript 7;
 * - `tsc-init`: what `tsc --init` of the current TypeScript (7) writes, with the two lines its
 *   comments say to set for Node (`types: ["node"]`, `lib: ["esnext"]`), compiled by that TypeScript;
 *   its verbatimModuleSyntax makes it an ESM package too.
 */
export type ProjectKind = 'nodenext' | 'commonjs' | 'esm' | 'tsc-init';

const typescript = {
  6: path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'),
  7: path.join(repoRoot, 'node_modules', 'typescript7', 'bin', 'tsc'),
};

async function writeSettings(dir: string, kind: ProjectKind): Promise<string> {
  const packageJson = (type?: string) =>
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'copied-project', private: true, ...(type && { type }) }));
  if (kind === 'tsc-init') {
    await run(process.execPath, [typescript[7], '--init'], { cwd: dir });
    const file = path.join(dir, 'tsconfig.json');
    const written = fs.readFileSync(file, 'utf8');
    const forNode = written
      .replace('"types": [],', '"types": ["node"], "lib": ["esnext"],')
      .replace('// "rootDir": "./src",', '"rootDir": "./src",')
      .replace('// "outDir": "./dist",', '"outDir": "./dist",');
    if (forNode === written || !forNode.includes('"exactOptionalPropertyTypes": true'))
      throw new Error(`tsc --init wrote something this helper does not know:\n${written}`);
    fs.writeFileSync(file, forNode);
    packageJson('module');
    return typescript[7];
  }
  const compilerOptions =
    kind === 'commonjs'
      ? { ...TSCONFIG.compilerOptions, module: 'commonjs', moduleResolution: 'node10', ignoreDeprecations: '6.0' }
      : TSCONFIG.compilerOptions;
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ ...TSCONFIG, compilerOptions }, null, 2));
  packageJson(kind === 'esm' ? 'module' : undefined);
  return typescript[kind === 'commonjs' ? 6 : 7];
}

export interface CopiedProject {
  dir: string;
  /** tsc's errors, one entry per error (its first line, `src/<file>.ts(line,col): error TS…`, and what follows). */
  errors: string[];
  /** The compiled `src/<name>.ts` (tsc emits even when some file has errors). */
  compiled(name: string): string;
  remove(): void;
}

/** tsc's output (not a terminal: no colours; an error's further lines are indented) as one entry per error. */
const errorsIn = (output: string): string[] =>
  output
    .split(/\n(?=\S)/)
    .map((error) => error.trimEnd())
    .filter(Boolean);

/**
 * Another project that copied some of our files and wrote its own code around them: `copies` are
 * [repo-relative source, path under src/], `files` the user's own sources under src/. Its
 * node_modules is ours (the same packages a user installs), nothing else of ours is reachable.
 * Compiled once with tsc, every file in one program (a tsc run is seconds of CPU, so a test puts
 * all its files in one project and reads `errors` by file). `kind` picks the project's settings.
 */
export async function buildCopiedProject(
  copies: [from: string, to: string][],
  files: Record<string, string>,
  kind: ProjectKind = 'nodenext',
): Promise<CopiedProject> {
  const dir = tempDir('copied-project').dir;
  const remove = () => fs.rmSync(dir, { recursive: true, force: true });
  let errors: string[] = [];
  try {
    for (const [from, to] of copies) fs.cpSync(path.join(repoRoot, from), path.join(dir, 'src', to), { recursive: true });
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, 'src', name), text);
    const tsc = await writeSettings(dir, kind);
    fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    await run(process.execPath, [tsc, '-p', dir], { cwd: dir }).catch((err: unknown) => {
      // Type errors are tsc's answer, kept for the test to read; anything else is tsc failing to run.
      const { stdout } = err as { stdout?: string };
      if (!stdout || !/error TS\d+/.test(stdout)) throw err;
      errors = errorsIn(stdout);
    });
  } catch (err) {
    remove();
    throw err;
  }
  return { dir, errors, compiled: (name) => path.join(dir, 'dist', name.replace(/\.ts$/, '.js')), remove };
}
