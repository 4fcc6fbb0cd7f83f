// Packs the package as npm would publish it and checks the tarball with
// publint and @arethetypeswrong/cli. Both must be clean.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'breakwater-pack-'));
const run = (cmd, args) => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' } });
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
