import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../../test/support/tempDir';
import { repoRoot } from './npmStart';

export interface WorkingTreeCopy {
  dir: string;
  remove(): void;
}

/**
 * The repository as a fresh clone has it (its files as they are in the working tree, ignored ones left out: no
 * .env, no .data), sharing our node_modules. `npm start` there writes its state into the copy's
 * own .data, never into the developer's.
 */
export function copyWorkingTree(): WorkingTreeCopy {
  const dir = tempDir('clone').dir;
  const tracked = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repoRoot, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean);
  for (const file of tracked) {
    const from = path.join(repoRoot, file);
    if (!fs.existsSync(from)) continue; // deleted in the working tree, not yet committed
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.copyFileSync(from, path.join(dir, file));
  }
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
