// The same client, written against the peer and then with only its import
// changed to the shim, run through the same scripted outage: same results,
// same events, same calls reaching the dependency. Runs the built package.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const here = fileURLToPath(new URL('.', import.meta.url));

function run(peer: string, variant: 'peer' | 'shim'): Promise<unknown> {
  if (!existsSync(`${root}/dist/compat/${peer}/index.js`))
    throw new Error('dist/ is missing: run `npm run build` first');
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [`${here}run.mjs`, peer, variant],
      { cwd: root, timeout: 20_000 },
      (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout) as unknown),
    );
  });
}

const changedLines = (a: string, b: string): string[] => {
  const left = readFileSync(`${here}${a}`, 'utf8').split('\n');
  const right = readFileSync(`${here}${b}`, 'utf8').split('\n');
  expect(right.length).toBe(left.length);
  return left.flatMap((line, i) => (line === right[i] ? [] : [`${line} -> ${right[i] ?? ''}`]));
};

describe.each([
  ['cockatiel', "} from 'cockatiel'; -> } from 'breakwater/compat/cockatiel';"],
  ['opossum', "import CircuitBreaker from 'opossum'; -> import CircuitBreaker from 'breakwater/compat/opossum';"],
])('migrating from %s', (peer, importChange) => {
  it('changes only the import', () => {
    expect(changedLines(`${peer}-client.mjs`, `${peer}-client.shim.mjs`)).toEqual([importChange]);
  });

  it('gives the same results, events and calls on the scripted outage', async () => {
    const [before, after] = await Promise.all([run(peer, 'peer'), run(peer, 'shim')]);
    expect(after).toEqual(before);
    const { results } = before as { results: [string, unknown][] };
    // The outage is served by the fallback, then the client recovers.
    expect(results.at(-1)?.[1]).toMatchObject({ stock: 7 });
    expect(results[1]?.[1]).toMatchObject({ stock: null });
  });
});
