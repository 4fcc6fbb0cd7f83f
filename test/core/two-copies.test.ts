import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type * as Breakwater from '../../src/index.js';
import type * as Testing from '../../src/testing/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

let esm: typeof Breakwater;
let cjs: typeof Breakwater;
let testing: typeof Testing;

beforeAll(async () => {
  // The builds are what users load; build them when they are missing or older than the source.
  const built = join(root, 'dist', 'index.cjs');
  if (!existsSync(built) || statSync(built).mtimeMs < newest(join(root, 'src'))) {
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
  }
  esm = (await import(pathToFileURL(join(root, 'dist', 'index.js')).href)) as typeof Breakwater;
  cjs = createRequire(import.meta.url)(built) as typeof Breakwater;
  testing = (await import(pathToFileURL(join(root, 'dist', 'testing', 'index.js')).href)) as typeof Testing;
}, 120_000);

/** One pipeline run: retry and a 1 s timeout from `outer`, a breaker and a 5 s timeout from `inner`. */
async function scenario(outer: typeof Breakwater, inner: typeof Breakwater): Promise<Record<string, unknown>> {
  const clock = new testing.VirtualClock();
  const breaker = inner.circuitBreaker({ clock, name: 'inner-breaker' });
  const tight = outer.timeout(1_000, { clock });
  const loose = inner.timeout(5_000, { clock });
  const r = outer.retry({ clock, idempotent: true, backoff: () => 0 });
  const policy = outer.pipeline(r, tight, breaker, loose);
  const events: string[] = [];
  for (const [p, name] of [
    [breaker, 'success'],
    [breaker, 'failure'],
    [tight, 'timeout'],
    [loose, 'timeout'],
    [r, 'retry'],
  ] as const) {
    (p as { on(e: string, f: (x: { correlationId?: string; policy: string }) => void): void }).on(name, (x) =>
      events.push(`${x.policy}:${name}:${String(x.correlationId)}`),
    );
  }
  const deadlines: (number | undefined)[] = [];
  const keys: string[] = [];
  const reasons: unknown[] = [];
  const signals: AbortSignal[] = [];
  const caller = new AbortController();
  const result = policy.execute(
    (ctx) => {
      deadlines.push(ctx.deadline);
      keys.push(ctx.idempotencyKey);
      signals.push(ctx.signal);
      if (ctx.attempt === 1) return new Promise(() => {});
      return 'ok';
    },
    { signal: caller.signal, correlationId: 'c-1', key: 'k' },
  );
  let settled: unknown = 'not settled';
  void result.then(
    (v) => (settled = v),
    (e: unknown) => (settled = e),
  );
  await clock.advance(1_000);
  await clock.advance(0);
  for (const s of signals)
    reasons.push(s.aborted ? [outer.isTimeoutError(s.reason), inner.isTimeoutError(s.reason)] : 'not aborted');
  return {
    deadlines,
    sameKey: keys[0] === keys[1],
    keys: keys.map((k) => k === keys[0]),
    reasons,
    events,
    settled,
    pending: clock.pending,
    state: breaker.state,
  };
}

describe.each([
  ['an ESM pipeline holding CommonJS policies', () => ({ outer: esm, inner: cjs })],
  ['a CommonJS pipeline holding ESM policies', () => ({ outer: cjs, inner: esm })],
])('two copies of the package: %s', (_, copies) => {
  it('are two copies (different classes)', () => {
    const { outer, inner } = copies();
    expect(outer.TimeoutPolicy).not.toBe(inner.TimeoutPolicy);
  });

  it("keeps the outer timeout's deadline, the signal, the idempotency key and the events, as one copy does", async () => {
    const { outer, inner } = copies();
    const mixed = await scenario(outer, inner);
    expect((mixed.deadlines as unknown[])[0]).toBe(1_000);
    expect(mixed).toEqual(await scenario(outer, outer));
    expect(mixed.sameKey).toBe(true);
    expect(mixed.settled).toBe('ok');
    expect(mixed.pending).toBe(0);
  });

  it("aborts the inner function on the caller's abort", async () => {
    const { outer, inner } = copies();
    const clock = new testing.VirtualClock();
    const policy = outer.pipeline(outer.bulkhead({ maxConcurrent: 1, clock }), inner.timeout(1_000, { clock }));
    const caller = new AbortController();
    let signal: AbortSignal | undefined;
    const result = policy.execute(
      (ctx) => {
        signal = ctx.signal;
        return new Promise(() => {});
      },
      { signal: caller.signal },
    );
    caller.abort(new Error('bye'));
    await expect(result).rejects.toThrow('bye');
    expect(signal?.aborted).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('lets retry from one copy see that an open breaker from the other fails fast', async () => {
    const { outer, inner } = copies();
    const clock = new testing.VirtualClock();
    const breaker = inner.circuitBreaker({ clock, window: { kind: 'consecutive', failures: 1 } });
    await expect(breaker.execute(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
    const retries: number[] = [];
    const r = outer.retry({ clock, idempotent: true });
    r.on('retry', ({ attempt }) => retries.push(attempt));
    let error: unknown = 'not settled';
    void outer
      .pipeline(r, breaker)
      .execute(() => 'never')
      .catch((e: unknown) => {
        error = e;
      });
    await new Promise((resolve) => setImmediate(resolve));
    expect(retries).toEqual([]);
    expect(outer.isBrokenCircuitError(error)).toBe(true);
    expect(clock.pending).toBe(0);
  });
});
