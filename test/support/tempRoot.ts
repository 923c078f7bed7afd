import fs from 'node:fs';
import os from 'node:os';

/** Room the suites' folders need at most at once, with a margin (PostgreSQL data is 40 MB a server). */
const ENOUGH_BYTES = 1024 ** 3;
const IN_MEMORY = '/dev/shm';

/**
 * Where the suites' temp folders go (their SQLite files, DATA_DIRs and PostgreSQL data): memory
 * (/dev/shm) when the machine has it with room to spare, else the OS temp dir; M2M_TEST_TMPDIR
 * overrides both. On a disk, every commit's fsync waits behind the other workers' writes: stalls of
 * a second and more that failed suites on deadlines that had nothing to do with what they test.
 * What the suites prove about durability holds the same in memory: an acknowledged write survives
 * its process being killed (kill -9), which needs the kernel's page cache, not the disk. That it
 * survives power loss rests on the settings (synchronous=FULL, fsync on), which the suites assert.
 */
export function tempRoot(): string {
  const chosen = process.env.M2M_TEST_TMPDIR;
  if (chosen) return chosen;
  try {
    const { bavail, bsize } = fs.statfsSync(IN_MEMORY);
    fs.accessSync(IN_MEMORY, fs.constants.W_OK);
    if (bavail * bsize >= ENOUGH_BYTES) return IN_MEMORY;
  } catch {
    // No /dev/shm (macOS, Windows): the OS temp dir.
  }
  return os.tmpdir();
}
