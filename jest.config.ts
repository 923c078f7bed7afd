/** @jest-config-loader esbuild-register */
import { availableParallelism } from 'node:os';
import type { Config } from 'jest';

// One `npm test` runs every workspace's tests. ts-jest only transpiles
// (isolatedModules); `npm run typecheck` is the type gate.
const config: Config = {
  // jest's node environment, which also deletes the temp folders a test file left (test/support/tempDir.ts).
  testEnvironment: '<rootDir>/test/support/testEnvironment.ts',
  // Workspace packages resolve to their TypeScript source (package.json "exports"), not to dist/.
  testEnvironmentOptions: { customExportConditions: ['node', 'node-addons', '@m2m/source'] },
  roots: ['<rootDir>'],
  // Each workspace's own tests, plus the cross-service suites in test/.
  testMatch: ['<rootDir>/*/test/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/.data/'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  // Once per run: builds dist/ (the suites that kill -9 a server, or read what it prints, run its
  // production build) and makes the pool of signing keys the in-process auth-servers share.
  globalSetup: '<rootDir>/test/support/globalSetup.ts',
  globalTeardown: '<rootDir>/test/support/globalTeardown.ts',
  // Longest files first also on a fresh clone, before jest has durations of its own.
  testSequencer: '<rootDir>/test/support/testSequencer.cjs',
  // Relative imports may carry `.js` (the copyable m2m/ folder does, for ESM projects): that is the .ts file.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  // More workers than cores (jest's default is cores - 1): many suites wait on real servers, timers and
  // I/O, so a third worker fills the time two leave idle. Measured on 2 cores (before the signing-key
  // pool): 187 s in band, 133–142 s with two workers, 109–135 s with three, 122 s with four.
  // (A number: jest reads '150%' as 150 workers.)
  maxWorkers: Math.ceil(availableParallelism() * 1.5),
  testTimeout: 30_000,
  // Servers started by tests are closed by the tests; this catches any that leak.
  openHandlesTimeout: 2_000,
};

export default config;
