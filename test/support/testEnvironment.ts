import fs from 'node:fs';
import NodeEnvironment from 'jest-environment-node';
import { TEMP_DIRS_GLOBAL } from './tempDir';

/**
 * jest's node environment, plus one duty at the end of each test file, once every afterAll has
 * run and its servers are closed: deleting the temp folders its tests made with tempDir and did
 * not remove (so that runs leave nothing behind in the OS temp dir).
 */
export default class TestEnvironment extends NodeEnvironment {
  override async teardown(): Promise<void> {
    const dirs = (this.global as { [TEMP_DIRS_GLOBAL]?: string[] })[TEMP_DIRS_GLOBAL] ?? [];
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
    await super.teardown();
  }
}
