// A vitest config for mutation runs that includes only the test files named in
// BW_TESTS (comma-separated globs): each mutant then runs the tests of its own
// area, not the whole suite. Example:
//   STRYKER_VITEST_CONFIG=$PWD/stryker.vitest.config.mjs BW_TESTS='test/policies/retry*.test.ts' \
//     npx stryker run --mutate 'src/policies/retry/**/*.ts'
export default {
  root: process.cwd(),
  test: {
    include: (process.env.BW_TESTS ?? 'test/**/*.test.ts').split(','),
    setupFiles: ['./test/setup.ts'],
    pool: 'threads',
    testTimeout: 30_000,
  },
};
