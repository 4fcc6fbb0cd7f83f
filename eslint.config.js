import tseslint from 'typescript-eslint';

/**
 * The layers of src/, enforced (CONTRIBUTING.md, "Boundaries"): the core imports nothing above it;
 * a policy imports the core and its own folder only; the testing and fetch entries reach policies
 * only through the public entry (types excepted); every other entry imports the core as
 * 'breakwater' (docs/decisions/0004-entries-import-the-root.md), plus the pure validators.
 */
const layer = (message, regex, allowTypeImports = false) => ({
  'no-restricted-imports': [
    'error',
    {
      patterns: [
        { group: ['node:*'], message: 'this entry must run outside Node: no node: imports' },
        { regex, message, allowTypeImports },
      ],
    },
  ],
});
const nodeLayer = (message, regex) => ({
  'no-restricted-imports': ['error', { patterns: [{ regex, message }] }],
});

export default tseslint.config(
  { ignores: ['dist/**', 'coverage/**', 'reports/**', '.stryker-tmp/**', 'node_modules/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      eqeqeq: ['error', 'always'],
      ...nodeLayer(
        "an entry imports the core as 'breakwater' (decision 0004); only src/core/validate.ts (and, for the metrics entries, src/metrics-spec) may be imported by path",
        '^\\.\\./(?!core/validate\\.js$|metrics-spec/)|^\\.\\./\\.\\./(?!core/validate\\.js$)',
      ),
    },
  },
  {
    // Type-aware rules for a promise-heavy library: a promise nobody awaits or handles, a promise
    // where a boolean or a void callback is expected, an await on a non-promise, an async function
    // with nothing to await. A deliberate fire-and-forget is written `void promise` with a comment
    // saying why. src/ only: the tests leave promises floating on purpose (races, timers).
    files: ['src/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/require-await': 'error',
    },
  },
  {
    files: ['src/index.ts', 'src/core/**/*.ts'],
    rules: layer('the core imports nothing above it', '^\\.\\./'),
  },
  {
    files: ['src/core/*/**/*.ts'],
    rules: layer('the core imports nothing above it', '^\\.\\./\\.\\./'),
  },
  {
    files: ['src/index.ts'],
    rules: layer(
      'the root entry imports the core, the policies and the observers only',
      '^\\./(?!core/|policies/|observe/)',
    ),
  },
  {
    // health() and logEvents(): root-entry functions that read policies by kind, never by import.
    files: ['src/observe/**/*.ts'],
    rules: layer('the observers import the core only; they tell policies apart by kind', '^\\.\\./(?!core/)'),
  },
  {
    files: ['src/policies/**/*.ts'],
    rules: layer(
      'a policy imports the core and its own folder only, never another policy or an entry',
      '^\\.\\./(?!\\.\\./core/)',
    ),
  },
  {
    files: ['src/testing/**/*.ts', 'src/fetch/**/*.ts'],
    rules: layer(
      'this entry reaches policies only through the public entry (../index.js)',
      '^\\.\\./(?!core/|index\\.js$)',
      true,
    ),
  },
  {
    files: ['test/**/*.ts', 'examples/**/*.ts', 'bench/**/*.mjs', 'scripts/**/*.mjs', 'examples/**/*.mjs'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
