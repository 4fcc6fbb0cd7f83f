// Packs the package as npm would publish it and checks the tarball with
// publint and @arethetypeswrong/cli. Both must be clean.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

// Which packages each built entry loads at run time, following its chunks: the otel entry may
// name @opentelemetry/api in types only, and no entry but its own loads an optional peer.
const loads = (file, seen = new Set()) => {
  if (seen.has(file)) return new Set();
  seen.add(file);
  const code = readFileSync(file, 'utf8');
  const specifiers = [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"]([^'"]+)['"]/g)].map(
    (m) => m[1],
  );
  const out = new Set();
  for (const specifier of specifiers) {
    if (specifier.startsWith('.')) for (const s of loads(join(dirname(file), specifier), seen)) out.add(s);
    else out.add(specifier);
  }
  return out;
};
const forbidden = {
  index: ['@opentelemetry/api', 'prom-client'],
  'testing/index': ['@opentelemetry/api', 'prom-client'],
  'fetch/index': ['@opentelemetry/api', 'prom-client'],
  'otel/index': ['@opentelemetry/api', 'prom-client'],
  'prometheus/index': ['@opentelemetry/api'],
};
for (const [entry, peers] of Object.entries(forbidden)) {
  for (const ext of ['js', 'cjs']) {
    const file = `dist/${entry}.${ext}`;
    const found = [...loads(file)].filter((s) => peers.some((p) => s === p || s.startsWith(`${p}/`)));
    if (found.length > 0) throw new Error(`${file} loads ${found.join(', ')} at run time`);
  }
}
console.log('entries load no optional peer but their own (otel: @opentelemetry/api as types only)');

const dir = mkdtempSync(join(tmpdir(), 'breakwater-pack-'));
const run = (cmd, args) =>
  execFileSync(cmd, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
  });
try {
  const out = run('npm', ['pack', '--json', '--pack-destination', dir]);
  const [{ filename, files }] = JSON.parse(out);
  const tarball = join(dir, filename);
  const shipped = files.map((f) => f.path);
  const unexpected = shipped.filter((p) => !/^(dist\/|package\.json$|README\.md$|CHANGELOG\.md$|LICENSE$)/.test(p));
  if (unexpected.length > 0) throw new Error(`the tarball ships unexpected files: ${unexpected.join(', ')}`);
  console.log(`packed ${filename}: ${shipped.length} files`);
  console.log(run('npx', ['--no-install', 'publint', tarball, '--strict']));
  console.log(run('npx', ['--no-install', 'attw', tarball, '--profile', 'node16', '--format', 'table-flipped']));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
