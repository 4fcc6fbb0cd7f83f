// Runs the PostgreSQL example (examples/postgres/index.mjs) against a real
// server and checks what it reports. Needs PGURL (see scripts/start-postgres.sh);
// without it the test is skipped locally, so `npm test` passes on a machine
// without PostgreSQL, and fails in CI (process.env.CI), where it must run.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const PGURL = process.env.PGURL;
const CI = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';

if (!PGURL && !CI) {
  console.warn(
    'examples/postgres: skipped, PGURL is not set. Start a throwaway server with\n' +
      '  export PGURL="$(scripts/start-postgres.sh)"\n' +
      'and run: npm run build && npx vitest run examples/postgres',
  );
}

interface Summary {
  pools: string[];
  policies: string[];
  timeout: { outcome: string; ms: number; stillRunningOnServer: number };
  bulkhead: { maxActive: number; maxWaiting: number; outcomes: Record<string, number>; rejections: number };
  outage: { calls: number; attemptsReachingClient: number; outcomes: Record<string, number>; lastCallMs: number };
  recovery: { answer: number; state: string };
  breakerStates: Record<string, string[]>;
}

function runExample(url: string): Promise<Summary> {
  if (!existsSync(`${root}/dist/index.js`)) throw new Error('dist/ is missing: run `npm run build` first');
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['examples/postgres/index.mjs', '--json'],
      { cwd: root, timeout: 25_000, env: { ...process.env, PGURL: url } },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout.trim().split('\n').pop() ?? ''));
      },
    );
  });
}

describe.skipIf(!PGURL && !CI)(
  'examples/postgres: breakwater/pg behind retry -> circuitBreaker -> bulkhead -> timeout',
  () => {
    it('times out and cancels a slow query, keeps a pool per database, bounds concurrency, and opens the breaker when the server stops', async () => {
      if (!PGURL)
        throw new Error('PGURL is not set: CI must start PostgreSQL (.ci/run does, with scripts/start-postgres.sh)');
      const s = await runExample(PGURL);

      // A pool and a policy per database.
      expect(s.pools).toEqual(['bw_billing', 'bw_inventory']);
      expect(s.policies).toEqual(['bw_billing', 'bw_inventory']);

      // pg_sleep(5) under timeout(500): a TimeoutError near 500 ms, and the statement no longer runs on the server.
      expect(s.timeout.outcome).toBe('TimeoutError');
      expect(s.timeout.ms).toBeGreaterThanOrEqual(490);
      expect(s.timeout.ms).toBeLessThan(2_000);
      expect(s.timeout.stillRunningOnServer).toBe(0);

      // 30 queries at once on a pool of 5: never more than 5 run; the rest wait, or are refused and retried.
      expect(s.bulkhead.maxActive).toBeLessThanOrEqual(5);
      expect(s.bulkhead.maxWaiting).toBe(0);
      expect(s.bulkhead.rejections).toBeGreaterThan(0);
      expect(Object.values(s.bulkhead.outcomes).reduce((a, b) => a + b, 0)).toBe(30);

      // The server stops: a few attempts reach the client, then the breaker fails calls fast.
      expect(s.outage.attemptsReachingClient).toBeLessThanOrEqual(3);
      expect(s.outage.outcomes.BrokenCircuitError).toBeGreaterThanOrEqual(8);
      expect(s.outage.lastCallMs).toBeLessThan(50);
      expect(s.breakerStates.bw_inventory?.[0]).toBe('closed->open');
      expect(s.breakerStates.bw_billing).toEqual([]);

      // The server is back: a probe closes the breaker.
      expect(s.recovery).toEqual({ answer: 42, state: 'closed' });
      expect(s.breakerStates.bw_inventory?.at(-1)).toBe('halfOpen->closed');
    });
  },
);
