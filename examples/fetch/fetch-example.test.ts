// Runs the fetch example (examples/fetch/index.mjs) as a user would, against
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
  outcomes: Record<string, number>;
  retries: number;
  serverReceived: number;
  p50: number;
  max: number;
}

function runExample(): Promise<{ phases: Phase[]; breakerStates: string[]; breakerState: string }> {
  if (!existsSync(`${root}/dist/fetch/index.js`)) throw new Error('dist/ is missing: run `npm run build` first');
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['examples/fetch/index.mjs', '--json'],
      { cwd: root, timeout: 20_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout.trim().split('\n').pop() ?? ''));
      },
    );
  });
}

describe('examples/fetch: a misbehaving server called through resilientFetch', () => {
  it('rides out the latency tail and the 503 burst, fails fast during the outage, and recovers', async () => {
    const { phases, breakerStates, breakerState } = await runExample();
    const [tail, burst, down, recovery] = phases as [Phase, Phase, Phase, Phase];

    // Latency tail: the 400 ms answers are cut at 150 ms and retried; every call succeeds.
    expect(tail.ok).toBe(tail.calls);
    expect(tail.retries).toBeGreaterThan(0);
    expect(tail.max).toBeLessThan(400);

    // 503 burst: every call is retried after the server's Retry-After (capped at 400 ms) and succeeds.
    expect(burst.ok).toBe(burst.calls);
    expect(burst.retries).toBeGreaterThanOrEqual(burst.calls);
    expect(burst.p50).toBeGreaterThanOrEqual(390);

    // Outage: the breaker opens, most calls fail fast, and the server sees far less than
    // the calls times the attempts that retry alone would have sent.
    expect(down.ok).toBe(0);
    expect(down.outcomes.BrokenCircuitError).toBeGreaterThan(down.calls / 2);
    expect(down.serverReceived).toBeLessThan(down.calls);
    expect(breakerStates).toContain('closed->open');

    // Recovery: a probe closes the breaker; every call succeeds.
    expect(recovery.ok).toBe(recovery.calls);
    expect(breakerStates[breakerStates.length - 1]).toBe('halfOpen->closed');
    expect(breakerState).toBe('closed');
  });
});
