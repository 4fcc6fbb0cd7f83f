// Runs the cache example (examples/cache/index.mjs) as a user would, against
// the built package, and checks what it reports. `npm test` builds first.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface Phase {
  phase: string;
  calls: number;
  ok: number;
  dependencyRequests: number;
  stale: number;
  coalesced: number;
}

function runExample(): Promise<{ phases: Phase[]; size: number }> {
  if (!existsSync(`${root}/dist/cache/index.js`)) throw new Error('dist/ is missing: run `npm run build` first');
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['examples/cache/index.mjs', '--json'],
      { cwd: root, timeout: 20_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout.trim().split('\n').pop() ?? ''));
      },
    );
  });
}

describe('examples/cache: a cached client in front of a real dependency', () => {
  it('costs one request per product for a burst, nothing while fresh, and serves stale through the outage', async () => {
    const { phases, size } = await runExample();
    const [burst, fresh, outage, never] = phases as [Phase, Phase, Phase, Phase];
    expect(burst).toMatchObject({ calls: 1_000, ok: 1_000, dependencyRequests: 10, coalesced: 990 });
    expect(fresh).toMatchObject({ ok: 1_000, dependencyRequests: 0 });
    expect(outage).toMatchObject({ ok: 1_000, dependencyRequests: 0, stale: 1_000 });
    expect(never).toMatchObject({ calls: 1, ok: 0, stale: 0 });
    expect(size).toBe(10);
  });
});
