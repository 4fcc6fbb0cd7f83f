import { defineConfig } from 'tsup';

const entry = {
  index: 'src/index.ts',
  'testing/index': 'src/testing/index.ts',
  'fetch/index': 'src/fetch/index.ts',
  'redis/index': 'src/redis/index.ts',
};

export default defineConfig([
  {
    entry,
    format: ['esm'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    platform: 'neutral',
    splitting: true,
    treeshake: true,
    external: ['breakwater', 'redis', 'ioredis'],
  },
  {
    // p-limit is ESM-only; the CommonJS build carries its own copy so that
    // require('breakwater') works on every Node 20 release (docs/decisions/0001-commonjs-and-p-limit.md).
    entry,
    format: ['cjs'],
    dts: true,
    sourcemap: true,
    target: 'es2022',
    platform: 'neutral',
    noExternal: ['p-limit', 'yocto-queue'],
    treeshake: true,
    external: ['breakwater', 'redis', 'ioredis'],
  },
]);
