// @ts-check
// CommonJS JavaScript, not TypeScript: jest requires its sequencer as it is, without a transform,
// and Node 22 before 22.18 does not strip types.
const path = require('node:path');
const Sequencer = require('@jest/test-sequencer').default;

/** @typedef {Parameters<Sequencer['sort']>[0][number]} Test */

/**
 * The suites that take longest, in seconds of one full run on 2 cores (three workers): whole
 * stacks under `npm start`, servers killed and restarted, PostgreSQL, Chromium, tsc.
 * @type {Record<string, number>}
 */
const LONG_SUITES = {
  'launcher/test/stackDefaults.test.ts': 50,
  'test/crashSafety.test.ts': 29,
  'launcher/test/stack.test.ts': 26,
  'launcher/test/stackOnPostgres.test.ts': 19,
  'test/keyRotationUnderTraffic.test.ts': 17,
  'test/postgresScaleOut.test.ts': 16,
  'auth-server/test/consoleBrowser.test.ts': 11,
  'shared/test/copiedFilesCompile.test.ts': 10,
  'wallet-server/test/walletStoreContract.test.ts': 10,
  'test/secretRotationUnderLoad.test.ts': 9,
  'wallet-server/test/postgresWallets.test.ts': 8,
};

/** @param {Test} test */
const expectedSeconds = (test) => LONG_SUITES[path.relative(test.context.config.rootDir, test.path).split(path.sep).join('/')] ?? 0;

/**
 * jest starts the longest test files first, from the durations it kept of earlier runs, so that no
 * worker is left with a long file at the end while the others idle. A file it kept no duration of
 * (every file on a fresh clone, CI's first run; those a partial run such as `npx jest auth-server`
 * did not reach) it starts before the others, in order of file size, which can put some of the
 * suites above among the last and add their length to the run. Among those files, these go first,
 * longest first; every other place keeps jest's order.
 */
class LongSuitesFirst extends Sequencer {
  /** @param {Test[]} tests */
  async sort(tests) {
    const sorted = [...(await super.sort(tests))];
    const unknown = sorted.flatMap((test, index) => (test.duration == null ? [index] : []));
    // Array.prototype.sort is stable: files of equal rank keep jest's order.
    const ranked = unknown.map((index) => sorted[index]).sort((a, b) => expectedSeconds(b) - expectedSeconds(a));
    unknown.forEach((index, i) => (sorted[index] = ranked[i]));
    return sorted;
  }
}

module.exports = LongSuitesFirst;
module.exports.LONG_SUITES = LONG_SUITES;
