// Type-checks every ```ts block of README.md and docs/**/*.md against the
// sources, as a user would import them ('breakwater', 'breakwater/testing', …).
// A block fenced as ```ts fragment is skipped (for deliberately partial code).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);
const out = join(root, 'node_modules', '.cache', 'docs-check');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const pages = [join(root, 'README.md')];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.md')) pages.push(p);
  }
};
walk(join(root, 'docs'));

const files = [];
for (const page of pages) {
  const text = readFileSync(page, 'utf8');
  const re = /^```ts([^\n]*)\n([\s\S]*?)^```/gm;
  let m;
  let n = 0;
  while ((m = re.exec(text)) !== null) {
    n++;
    if (m[1].trim() === 'fragment') continue;
    const name = `${relative(root, page).replace(/[\\/.]/g, '_')}_${n}.ts`;
    writeFileSync(join(out, name), `${m[2]}\nexport {};\n`);
    files.push(name);
  }
}

const entries = {
  breakwater: 'src/index.ts',
  'breakwater/testing': 'src/testing/index.ts',
  'breakwater/fetch': 'src/fetch/index.ts',
  'breakwater/pg': 'src/pg/index.ts',
  'breakwater/cache': 'src/cache/index.ts',
  'breakwater/otel': 'src/otel/index.ts',
  'breakwater/prometheus': 'src/prometheus/index.ts',
  'breakwater/compat/cockatiel': 'src/compat/cockatiel/index.ts',
  'breakwater/compat/opossum': 'src/compat/opossum/index.ts',
  'breakwater/redis': 'src/redis/index.ts',
};
const paths = Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, [join(root, v)]]));
writeFileSync(
  join(out, 'tsconfig.json'),
  JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      module: 'ESNext',
      moduleResolution: 'Bundler',
      lib: ['ES2022', 'DOM'],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: ['node'],
      typeRoots: [join(root, 'node_modules', '@types')],
      paths,
      allowImportingTsExtensions: false,
    },
    files,
  }),
);
try {
  execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', join(out, 'tsconfig.json')], {
    stdio: 'inherit',
    cwd: out,
  });
  console.log(`docs: ${files.length} TypeScript examples type-check`);
} catch {
  console.error(`docs: examples fail to type-check (generated files in ${relative(root, out)})`);
  process.exit(1);
}
