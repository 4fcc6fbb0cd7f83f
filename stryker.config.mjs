// Mutation testing (`npm run mutation`): Stryker mutates src/ and runs the
// vitest suite against each mutant. Narrow it with `--mutate`, e.g.
//   npx stryker run --mutate 'src/core/**/*.ts,src/policies/timeout/**/*.ts'
// It is not part of CI: a full run takes long on a 2-core machine.
// STRYKER_VITEST_CONFIG points the runner at another vitest config (an
// absolute path, e.g. one that includes only some test files).
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: process.env.STRYKER_VITEST_CONFIG ?? 'vitest.config.ts', related: true },
  mutate: ['src/**/*.ts', '!src/**/*.d.ts'],
  coverageAnalysis: 'perTest',
  // Static mutants (module-level constants: error names, frozen defaults) need
  // the whole suite per mutant: about a quarter of the mutants and two thirds
  // of the time. They are left out; the default constants are pinned by tests.
  ignoreStatic: true,
  concurrency: 2,
  timeoutMS: 10_000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 85, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
