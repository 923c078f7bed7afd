import fs from 'node:fs';
import path from 'node:path';
import type Sequencer from '@jest/test-sequencer';

// The order jest starts the test files in (support/testSequencer.cjs): among the files jest kept no
// duration of, the long suites first; jest's own durations for the rest.
type Test = Parameters<Sequencer['sort']>[0][number];
// eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS JavaScript, as jest loads it
const LongSuitesFirst = require('./support/testSequencer.cjs') as typeof Sequencer & { LONG_SUITES: Record<string, number> };
const { LONG_SUITES } = LongSuitesFirst;

const rootDir = path.resolve(__dirname, '..');
const SIZES: Record<string, number> = {
  'test/big.test.ts': 900,
  'test/small.test.ts': 100,
  'launcher/test/stackDefaults.test.ts': 50,
  'test/crashSafety.test.ts': 40,
};

/** Test files as jest hands them to a sequencer; `durations` stands for what jest kept of the last run. */
function sequencer(durations: Record<string, number> = {}) {
  const tests = Object.keys(SIZES).map(
    (file) =>
      ({
        path: path.join(rootDir, file),
        context: { config: { rootDir, cache: false }, hasteFS: { getSize: () => SIZES[file] } },
      }) as unknown as Test,
  );
  const order = new LongSuitesFirst({ contexts: [], globalConfig: {} } as unknown as ConstructorParameters<typeof LongSuitesFirst>[0]);
  // jest's cached durations, as its sequencer would have read them from the cache folder.
  const cached = Object.fromEntries(Object.entries(durations).map(([file, seconds]) => [path.join(rootDir, file), [1, seconds * 1000]]));
  for (const test of tests) (order as unknown as { _cache: Map<unknown, unknown> })._cache.set(test.context, cached);
  return { sorted: async () => (await order.sort(tests)).map((test) => path.relative(rootDir, test.path)) };
}

describe('the order of the test files', () => {
  it('names only suites that exist', () => {
    const missing = Object.keys(LONG_SUITES).filter((file) => !fs.existsSync(path.join(rootDir, file)));
    expect(missing).toEqual([]);
  });

  it('starts the long suites first, longest first, when jest kept no durations (a fresh clone); the rest by size', async () => {
    expect(await sequencer().sorted()).toEqual([
      'launcher/test/stackDefaults.test.ts',
      'test/crashSafety.test.ts',
      'test/big.test.ts',
      'test/small.test.ts',
    ]);
  });

  it('ranks the files jest kept no duration of (after a partial run) the same way, ahead of the timed ones', async () => {
    const durations = { 'test/small.test.ts': 60 };
    expect(await sequencer(durations).sorted()).toEqual([
      'launcher/test/stackDefaults.test.ts',
      'test/crashSafety.test.ts',
      'test/big.test.ts',
      'test/small.test.ts',
    ]);
  });

  it("follows jest's durations once it has them", async () => {
    const durations = {
      'test/big.test.ts': 3,
      'test/small.test.ts': 60,
      'launcher/test/stackDefaults.test.ts': 20,
      'test/crashSafety.test.ts': 30,
    };
    expect(await sequencer(durations).sorted()).toEqual([
      'test/small.test.ts',
      'test/crashSafety.test.ts',
      'launcher/test/stackDefaults.test.ts',
      'test/big.test.ts',
    ]);
  });
});
