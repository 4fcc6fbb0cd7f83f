// End to end: examples/metrics/service.mjs is scraped every second by a real Prometheus (started
// by scripts/start-prometheus.sh) while its dependency goes down and comes back; Prometheus's HTTP
// API must show the breaker open during the outage, closed after it, and rejections counted.
// Without a prometheus binary the test is skipped locally; in CI (process.env.CI) it fails instead.
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const binary = ((): string | undefined => {
  if (process.env.PROMETHEUS_BIN !== undefined) return process.env.PROMETHEUS_BIN;
  try {
    return execFileSync('sh', ['-c', 'command -v prometheus'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
})();
const skip = binary === undefined && !process.env.CI;
if (skip) {
  console.warn(
    'examples/metrics: the Prometheus end-to-end test is skipped, no prometheus binary found. Install it\n' +
      '  (Debian/Ubuntu: apt-get install prometheus, or set PROMETHEUS_BIN) and run:\n' +
      '  npm run build && npx vitest run examples/metrics',
  );
}

const dir = mkdtempSync(join(tmpdir(), 'breakwater-prometheus-'));
const env = { ...process.env, PROMTEST_DIR: join(dir, 'prometheus') };
let service: ChildProcess | undefined;
afterAll(() => {
  service?.kill('SIGTERM');
  try {
    execFileSync(join(root, 'scripts/stop-prometheus.sh'), { env, stdio: 'ignore' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function startService(): Promise<number> {
  if (!existsSync(join(root, 'dist/prometheus/index.js')))
    throw new Error('dist/ is missing: run `npm run build` first');
  const child = spawn(process.execPath, ['examples/metrics/service.mjs'], {
    cwd: root,
    env: { ...process.env, OPEN_FOR_MS: '1000' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  service = child;
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the service exited with ${code}`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', (line) =>
      resolve(JSON.parse(line).port as number),
    );
  });
}

function startPrometheus(target: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(join(root, 'scripts/start-prometheus.sh'), [target], { env, timeout: 20_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout.trim()),
    ),
  );
}

interface Sample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

async function query(prometheus: string, promql: string): Promise<Sample[]> {
  const res = await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await res.json()) as { status: string; data: { result: Sample[] } };
  expect(body.status).toBe('success');
  return body.data.result;
}

/** The single value of `promql`, 0 when Prometheus has no series for it. */
async function scalar(prometheus: string, promql: string): Promise<number> {
  const [first] = await query(prometheus, promql);
  return first === undefined ? 0 : Number(first.value[1]);
}

async function until(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.skipIf(skip)('examples/metrics scraped by a real Prometheus', () => {
  it('shows the breaker open during an outage and closed after it, and counts rejections', async () => {
    if (binary === undefined) throw new Error('CI has no prometheus binary: .ci/run installs the prometheus package');
    const port = await startService();
    const service = `http://127.0.0.1:${port}`;
    const prometheus = await startPrometheus(`127.0.0.1:${port}`);
    const state = (s: string) =>
      `breakwater_circuit_breaker_state{breakwater_policy_name="quotes-breaker",breakwater_state="${s}"}`;

    let traffic = true;
    const load = (async () => {
      while (traffic) {
        await fetch(`${service}/quote`).then(
          (r) => r.arrayBuffer(),
          () => undefined,
        );
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    try {
      await until('the first scrapes', async () => (await scalar(prometheus, state('closed'))) === 1);
      const rejectedBefore = await scalar(prometheus, 'sum(breakwater_rejections_total)');

      await fetch(`${service}/dependency/down`, { method: 'POST' });
      await until('the breaker to show open', async () => (await scalar(prometheus, state('open'))) === 1);

      await fetch(`${service}/dependency/up`, { method: 'POST' });
      await until(
        'the breaker to show closed again',
        async () =>
          (await scalar(prometheus, state('closed'))) === 1 && (await scalar(prometheus, state('open'))) === 0,
      );
      const opened = await scalar(prometheus, 'max_over_time(' + state('open') + '[1m])');
      expect(opened).toBe(1);
      const rejectedAfter = await scalar(prometheus, 'sum(breakwater_rejections_total)');
      expect(rejectedAfter).toBeGreaterThan(rejectedBefore);
      const opens = await scalar(prometheus, 'sum(breakwater_circuit_breaker_transitions_total{breakwater_to="open"})');
      expect(opens).toBeGreaterThanOrEqual(1);
    } finally {
      traffic = false;
      await load;
    }
  }, 45_000);
});
