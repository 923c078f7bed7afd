import fs from 'node:fs';
import path from 'node:path';
import { tempRoot } from './tempRoot';

/** Where tempDir lists its folders: the test file's global, which testEnvironment.ts reads at the end of the file. */
export const TEMP_DIRS_GLOBAL = '__m2mTempDirs';

/**
 * A fresh folder under the suites' temp root (`m2m-<label>-…`; tempRoot.ts says where). `remove()`
 * deletes it at once; whatever a test leaves is deleted when its file ends (testEnvironment.ts),
 * after every afterAll has run.
 */
export function tempDir(label: string): { dir: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(tempRoot(), `m2m-${label}-`));
  const global = globalThis as { [TEMP_DIRS_GLOBAL]?: string[] };
  (global[TEMP_DIRS_GLOBAL] ??= []).push(dir);
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
