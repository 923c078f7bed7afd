import path from 'node:path';
import Sequencer from '@jest/test-sequencer';

type Test = Parameters<Sequencer['sort']>[0][number];

/**
 * The suites that take longest, in seconds of one full run on 2 cores (three workers): whole
 * stacks under `npm start`, servers killed and restarted, PostgreSQL, Chromium, tsc.
 */
export const LONG_SUITES: Record<string, number> = {
  'launcher/test/stack.test.ts': 48,
  'test/crashSafety.test.ts': 29,
  'launcher/test/stackDefaults.test.ts': 27,
  'shared/test/readme.test.ts': 21,
  'launcher/test/stackOnPostgres.test.ts': 19,
  'test/keyRotationUnderTraffic.test.ts': 17,
  'test/postgresScaleOut.test.ts': 16,
  'auth-server/test/consoleBrowser.test.ts': 11,
  'shared/test/copiedFilesCompile.test.ts': 10,
  'wallet-server/test/walletStoreContract.test.ts': 10,
  'test/secretRotationUnderLoad.test.ts': 9,
  'wallet-server/test/postgresWallets.test.ts': 8,
};

/**
 * jest starts the longest test files first, from the durations it kept of the last run, so that no
 * worker is left with a long file at the end while the others idle. With no durations kept (a
 * fresh clone: CI's first run) it orders by file size instead, which starts some of the suites
 * above among the last and adds their length to the run. Then these go first, longest first; the
 * rest keep jest's order. Once jest has durations of its own, they decide.
 */
export default class LongSuitesFirst extends Sequencer {
  override async sort(tests: Test[]): Promise<Test[]> {
    const sorted = await super.sort(tests);
    if (sorted.some((test) => test.duration != null)) return sorted;
    const known = (test: Test) => LONG_SUITES[path.relative(test.context.config.rootDir, test.path).split(path.sep).join('/')] ?? 0;
    // Array.prototype.sort is stable: the other files keep jest's order.
    return [...sorted].sort((a, b) => known(b) - known(a));
  }
}
