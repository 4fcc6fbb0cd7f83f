import { defineConfig } from 'tsup';

// The entry points, for the type declarations and the CommonJS build.
const entry = {
  index: 'src/index.ts',
  'testing/index': 'src/testing/index.ts',
  'fetch/index': 'src/fetch/index.ts',
  'pg/index': 'src/pg/index.ts',
  'cache/index': 'src/cache/index.ts',
  'otel/index': 'src/otel/index.ts',
  'prometheus/index': 'src/prometheus/index.ts',
  'compat/cockatiel/index': 'src/compat/cockatiel/index.ts',
  'compat/opossum/index': 'src/compat/opossum/index.ts',
  'redis/index': 'src/redis/index.ts',
};

const common = {
  target: 'es2022',
  platform: 'neutral',
  // Entries other than the root import the core as 'breakwater' (docs/decisions/0004-entries-import-the-root.md).
  external: ['breakwater', '@opentelemetry/api', 'prom-client', 'pg', 'lru-cache', 'redis', 'ioredis'],
} as const;

export default defineConfig([
  {
    // ESM: one file per source module, so that a bundler (with `sideEffects: false`) drops every
    // module a user does not import (docs/decisions/0014-esm-one-file-per-module.md).
    ...common,
    entry: ['src/**/*.ts'],
    format: ['esm'],
    bundle: false,
    sourcemap: true,
  },
  {
    ...common,
    entry,
    format: ['esm'],
    dts: { only: true },
  },
  {
    // p-limit is ESM-only; the CommonJS build carries its own copy so that
    // require('breakwater') works on every Node 20 release (docs/decisions/0001-commonjs-and-p-limit.md).
    ...common,
    entry,
    format: ['cjs'],
    dts: true,
    sourcemap: true,
    noExternal: ['p-limit', 'yocto-queue'],
    treeshake: true,
  },
]);
