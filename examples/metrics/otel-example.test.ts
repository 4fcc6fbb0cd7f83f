// Runs examples/metrics/service-otel.mjs against the built package: one call, then /metrics
// shows the OpenTelemetry instruments the SDK collected on that request.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

it('serves the OpenTelemetry metrics of its pipeline', async () => {
  if (!existsSync(`${root}/dist/otel/index.js`)) throw new Error('dist/ is missing: run `npm run build` first');
  const child = spawn(process.execPath, ['examples/metrics/service-otel.mjs'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
      createInterface({ input: child.stdout }).once('line', (line) => resolve(JSON.parse(line).port as number));
    });
    expect((await fetch(`http://127.0.0.1:${port}/quote`)).status).toBe(200);
    const metrics = (await (await fetch(`http://127.0.0.1:${port}/metrics`)).json()) as {
      name: string;
      points: { attributes: Record<string, string> }[];
    }[];
    const state = metrics.find((m) => m.name === 'breakwater.circuit_breaker.state');
    expect(state?.points.find((p) => p.attributes['breakwater.state'] === 'closed')?.attributes).toMatchObject({
      service: 'quotes',
      'breakwater.policy.name': 'quotes-breaker',
    });
    expect(metrics.map((m) => m.name)).toEqual(
      expect.arrayContaining(['breakwater.pipeline.duration', 'breakwater.attempt.duration', 'breakwater.events']),
    );
  } finally {
    child.kill('SIGTERM');
  }
});
