import fs from 'node:fs';
import NodeEnvironment from 'jest-environment-node';
import { TEMP_DIRS_GLOBAL } from './tempDir';

/**
 * jest's node environment, plus one duty at the end of each test file, once every afterAll has
 * run and its servers are closed: deleting the temp folders its tests made with tempDir and did
 * not remove (so that runs leave nothing behind in the OS temp dir). A folder that will not go
 * (a process still writing into it) is left, never a reason to fail the file.
 */
export default class TestEnvironment extends NodeEnvironment {
  override async teardown(): Promise<void> {
    try {
      const dirs = (this.global as { [TEMP_DIRS_GLOBAL]?: string[] })[TEMP_DIRS_GLOBAL] ?? [];
      for (const dir of dirs) {
        try {
          fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
        } catch {
          // Left behind, as before this environment existed.
        }
      }
    } finally {
      await super.teardown();
    }
  }
}
