// Runs the health example (examples/metrics/health-server.mjs) as a user would, against
// the built package: its readiness endpoint, the correlation ID on the wire, its logs.
// `npm test` builds first.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

let child: ChildProcess;
let service = '';
let downstream = '';
const logs: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  if (!existsSync(`${root}/dist/index.js`)) throw new Error('dist/ is missing: run `npm run build` first');
  child = spawn(process.execPath, ['examples/metrics/health-server.mjs'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the example exited with ${String(code)}`)));
    lines.on('line', (line) => {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      if (typeof parsed.url === 'string') {
        service = parsed.url;
        downstream = String(parsed.downstream);
        resolve();
      } else {
        logs.push(parsed);
      }
    });
  });
});

afterAll(async () => {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
});

async function ready(): Promise<{ code: number; status: string; breaker: Record<string, unknown> | undefined }> {
  const res = await fetch(`${service}/ready`);
  const report = (await res.json()) as { status: string; policies: Array<Record<string, unknown>> };
  return { code: res.status, status: report.status, breaker: report.policies.find((p) => p.name === 'payments') };
}

const order = (id: number, correlationId?: string): Promise<Response> =>
  fetch(
    `${service}/orders/${id}`,
    correlationId === undefined ? {} : { headers: { 'x-correlation-id': correlationId } },
  );

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('examples/metrics/health-server: readiness, correlation, logs', () => {
  it("is ready (200) while payments answer, and the caller's correlation ID reaches payments unchanged", async () => {
    expect(await ready()).toMatchObject({
      code: 200,
      status: 'ok',
      breaker: { kind: 'circuitBreaker', state: 'closed' },
    });
    const res = await order(1, 'req-abc');
    expect(await res.json()).toEqual({ path: '/orders/1', correlationId: 'req-abc' });
    // Without one, the service starts an ID, answers with it, and sends it on.
    const fresh = await order(2);
    const id = fresh.headers.get('x-correlation-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await fresh.json()).toEqual({ path: '/orders/2', correlationId: id });
  });

  it("is not ready (503, down) once the payments breaker opens, logs the opening at warn with the request's ID, and is ready again after a probe", async () => {
    await fetch(`${downstream}/outage`, { method: 'POST' });
    expect((await order(3, 'req-out-1')).status).toBe(502); // two attempts, two 503s
    expect((await order(4, 'req-out-2')).status).toBe(503); // the third failure opens the breaker
    expect(await ready()).toMatchObject({ code: 503, status: 'down', breaker: { state: 'open', status: 'down' } });
    const opened = logs.find((l) => l.event === 'stateChange' && l.to === 'open');
    expect(opened).toMatchObject({
      level: 'warn',
      policy: 'payments',
      kind: 'circuitBreaker',
      correlationId: 'req-out-2',
      reason: 'consecutiveFailures',
    });
    expect(logs.filter((l) => l.event === 'retry').map((l) => l.correlationId)).toEqual(['req-out-1', 'req-out-2']);

    await fetch(`${downstream}/recover`, { method: 'POST' });
    await sleep(550); // openFor: 500 ms
    // Half-open reads as degraded: still ready, the probe decides.
    expect(await ready()).toMatchObject({ code: 200, status: 'degraded', breaker: { state: 'halfOpen' } });
    expect((await order(5, 'req-probe')).status).toBe(200);
    expect(await ready()).toMatchObject({ code: 200, status: 'ok', breaker: { state: 'closed' } });
    const closed = logs.find((l) => l.event === 'stateChange' && l.to === 'closed');
    expect(closed).toMatchObject({ level: 'info', correlationId: 'req-probe', reason: 'probesSucceeded' });
    expect(logs.some((l) => l.event === 'success')).toBe(false);
  });
});
