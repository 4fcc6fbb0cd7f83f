// Runs the benchmark on Node 20 (this machine's), 24 and 26 (the `node` package
// from the npm registry) and writes one section per version into
// docs/performance.md, between the markers <!-- bench:vNN:start --> and
// <!-- bench:vNN:end --> (added at the end of the page when missing).
// Usage: node scripts/bench-versions.mjs [suite filter] [--versions 20,24,26]
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const args = process.argv.slice(2);
const at = args.indexOf('--versions');
const versions = at === -1 ? ['20', '24', '26'] : args.splice(at, 2)[1].split(',');
const filter = args[0];

execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
const page = join(root, 'docs', 'performance.md');
let text = readFileSync(page, 'utf8');
for (const v of versions) {
  const own = process.version.startsWith(`v${v}.`);
  const [cmd, pre] = own ? [process.execPath, []] : ['npx', ['-y', `node@${v}`]];
  const benchArgs = [...pre, '--expose-gc', join(root, 'bench', 'run.mjs'), ...(filter === undefined ? [] : [filter])];
  console.error(`bench on Node ${v}…`);
  const out = execFileSync(cmd, benchArgs, {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const tables = out.slice(out.indexOf('breakwater benchmark')).trim().replace(/^## /gm, '#### ');
  const start = `<!-- bench:v${v}:start -->`;
  const end = `<!-- bench:v${v}:end -->`;
  const section = `${start}\n### Node ${v}\n\n${tables}\n${end}`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  text =
    i !== -1 && j > i ? text.slice(0, i) + section + text.slice(j + end.length) : `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(page, text);
}
console.error(`wrote ${versions.map((v) => `Node ${v}`).join(', ')} to docs/performance.md`);
