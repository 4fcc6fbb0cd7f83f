// Runs `npm run demo` in its fast mode (DEMO_FAST=1, about 8 s) against the
// built package and checks the conclusions its table prints.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'breakwater-demo-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function runDemo(): Promise<string> {
  if (!existsSync(`${root}/dist/fetch/index.js`)) throw new Error('dist/ is missing: run `npm run build` first');
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['examples/demo.mjs'],
      { cwd: root, timeout: 30_000, env: { ...process.env, DEMO_FAST: '1', DEMO_OUT: out } },
      (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
    );
  });
}

/** The two numbers of a table row: [plain fetch, breakwater]. */
function row(stdout: string, label: string): [number, number] {
  const line = stdout.split('\n').find((l) => l.startsWith(label));
  const m = line === undefined ? null : /\s(\d+)(?: ms)?\s+(\d+)(?: ms)?\s*$/.exec(line);
  if (m === null) throw new Error(`no table row "${label}" in:\n${stdout}`);
  return [Number(m[1]), Number(m[2])];
}

describe('npm run demo (fast mode)', () => {
  it('shows breakwater with fewer failed calls, a lower p99, and far less load on the service during the outage', async () => {
    const stdout = await runDemo();
    const [plainCalls, bwCalls] = row(stdout, 'calls  ');
    expect(plainCalls).toBe(bwCalls);

    const [plainFailed, bwFailed] = row(stdout, 'calls failed, as seen by the caller');
    expect(bwFailed).toBeLessThan(plainFailed);

    const [plainP99, bwP99] = row(stdout, 'p99 latency');
    expect(bwP99).toBeLessThan(plainP99 / 2);

    const [plainOutage, bwOutage] = row(stdout, 'requests to the service during the outage');
    expect(bwOutage).toBeLessThan(plainOutage / 2);

    // Progress lines (plain, since stdout is not a terminal) and the chart.
    expect(stdout).toMatch(/breaker (closed|open|halfOpen)/);
    expect(stdout).toContain(join(out, 'demo.svg'));
    const svg = readFileSync(join(out, 'demo.svg'), 'utf8');
    expect(svg).toMatch(/^<svg /);
    expect(svg).toContain("breakwater's circuit breaker");
  });
});
