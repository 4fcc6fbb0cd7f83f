// What a browser bundle of each entry weighs: esbuild (--bundle --minify, platform browser) over
// the shipped ESM files, gzipped at level 9. Fails when an entry is over its budget.
// `--peers` adds cockatiel's and opossum's figures for comparison (not budgeted).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** Resolves `breakwater` and `breakwater/*` through the exports map, as a user's bundler does. */
const shipped = {
  name: 'breakwater-exports',
  setup(b) {
    b.onResolve({ filter: /^breakwater(\/.*)?$/ }, (args) => {
      const sub = args.path === 'breakwater' ? '.' : `.${args.path.slice('breakwater'.length)}`;
      const target = pkg.exports[sub]?.import?.default;
      return target === undefined ? { errors: [{ text: `no export ${sub}` }] } : { path: join(root, target) };
    });
  },
};

// [name, program, budget, target], in bytes gzipped. `target` is issue 23's figure; `budget` is
// what `npm test` enforces: today's size with a little room, so that growth fails the build while
// the gap to the target is closed (docs/decisions/0016-size-budgets.md).
const cases = [
  ['timeout alone', "import { timeout } from 'breakwater'; export default [timeout];", 5_100, 4_000],
  [
    'circuitBreaker alone',
    "import { circuitBreaker } from 'breakwater'; export default [circuitBreaker];",
    11_800,
    6_000,
  ],
  [
    'retry, circuitBreaker, bulkhead, timeout, pipeline',
    "import { retry, circuitBreaker, bulkhead, timeout, pipeline } from 'breakwater'; export default [retry, circuitBreaker, bulkhead, timeout, pipeline];",
    17_600,
    11_000,
  ],
  ['the whole root', "import * as bw from 'breakwater'; export default bw;", 30_700, 14_000],
  [
    'breakwater/fetch (resilientFetch)',
    "import { resilientFetch } from 'breakwater/fetch'; export default [resilientFetch];",
    7_000,
    7_000,
  ],
];
const peers = [
  ['cockatiel (whole root)', "import * as c from 'cockatiel'; export default c;"],
  ['cockatiel: timeout alone', "import { timeout } from 'cockatiel'; export default [timeout];"],
  ['opossum (CircuitBreaker)', "import CircuitBreaker from 'opossum'; export default CircuitBreaker;"],
];

async function weigh(contents) {
  const result = await build({
    stdin: { contents, resolveDir: root, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    plugins: [shipped],
    // opossum needs Node's `events`; a browser build would bring a polyfill, which is not counted.
    external: ['events'],
  });
  const code = result.outputFiles[0].contents;
  return { min: code.length, gz: gzipSync(code, { level: 9 }).length };
}

const kb = (n) => `${(n / 1000).toFixed(1)} kB`;
let over = 0;
console.log('| import | minified | gzipped | budget (gzipped) | target (gzipped) |\n|---|---:|---:|---:|---:|');
for (const [name, contents, budget, target] of cases) {
  const { min, gz } = await weigh(contents);
  const ok = gz <= budget;
  if (!ok) over++;
  console.log(
    `| ${name} | ${kb(min)} | ${kb(gz)} | ${kb(budget)}${ok ? '' : ' **over**'} | ${kb(target)}${gz <= target ? '' : ' (not yet)'} |`,
  );
}
if (process.argv.includes('--peers')) {
  for (const [name, contents] of peers) {
    const { min, gz } = await weigh(contents);
    console.log(`| ${name} | ${kb(min)} | ${kb(gz)} | | |`);
  }
}
if (over > 0 && !process.argv.includes('--report')) {
  console.error(`check-size: ${over} entr${over === 1 ? 'y is' : 'ies are'} over budget`);
  process.exit(1);
}
