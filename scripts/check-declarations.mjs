// The shipped declarations carry the public surface only: no `@internal` member (tsconfig
// `stripInternal`, docs/decisions/0017-public-surface.md). Run after `npm run build`.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const walk = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
const declarations = walk('dist').filter((f) => /\.d\.c?ts$/.test(f));
if (declarations.length === 0) throw new Error('no declarations under dist/: run `npm run build` first');
const found = [];
for (const file of declarations) {
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.includes('@internal')) found.push(`${file}:${i + 1}: ${line.trim()}`);
    });
}
if (found.length > 0) {
  console.error(
    `@internal in the shipped declarations (mark the type that refers to it public, or stop referring to it):\n${found.join('\n')}`,
  );
  process.exit(1);
}
console.log(`${declarations.length} declaration files, none with an @internal member`);
