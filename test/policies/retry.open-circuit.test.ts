import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  BrokenCircuitError,
  circuitBreaker,
  constant,
  isBrokenCircuitError,
  isIsolatedCircuitError,
  pipeline,
  retry,
} from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';

afterEach(() => {
  vi.restoreAllMocks();
});

async function openBreaker(clock: VirtualClock, openFor = 5_000) {
  const breaker = circuitBreaker({ clock, window: { kind: 'consecutive', failures: 1 }, openFor });
  await expect(breaker.execute(() => Promise.reject(new Error('down')))).rejects.toThrow('down');
  expect(breaker.state).toBe('open');
  return breaker;
}

describe('retry outside an open breaker', () => {
  it('fails fast by default: 100 concurrent callers settle at the clock time they started, no timer, no retry event', async () => {
    const clock = new VirtualClock(1_000);
    const breaker = await openBreaker(clock);
    const policy = retry({ clock, idempotent: true, maxAttempts: 5 });
    const retries: number[] = [];
    policy.on('retry', ({ attempt }) => retries.push(attempt));
    const settledAt: number[] = [];
    let ran = 0;
    const calls = Array.from({ length: 100 }, () =>
      pipeline(policy, breaker)
        .execute(() => {
          ran++;
          return 'never';
        })
        .then(
          () => 'resolved',
          (error: unknown) => {
            settledAt.push(clock.now());
            return error;
          },
        ),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(settledAt).toHaveLength(100);
    expect(new Set(settledAt)).toEqual(new Set([1_000]));
    expect(clock.pending).toBe(0);
    expect(retries).toEqual([]);
    expect(ran).toBe(0);
    for (const result of await Promise.all(calls)) expect(isBrokenCircuitError(result)).toBe(true);
  });

  it('does not retry an isolated breaker by default either', async () => {
    const clock = new VirtualClock();
    const breaker = circuitBreaker({ clock });
    breaker.isolate();
    const policy = retry({ clock, idempotent: true });
    const error = await pipeline(policy, breaker)
      .execute(() => 'x')
      .catch((e: unknown) => e);
    expect(isIsolatedCircuitError(error)).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('waits at least retryAfter when retryOn accepts open circuits, then probes', async () => {
    const clock = new VirtualClock();
    const breaker = await openBreaker(clock, 5_000);
    const policy = retry({ clock, idempotent: true, maxAttempts: 3, backoff: constant(10), retryOn: (o) => !o.ok });
    const delays: number[] = [];
    policy.on('retry', ({ delay }) => delays.push(delay));
    let ran = 0;
    const settled: { at: number; value: unknown }[] = [];
    const calls = Array.from({ length: 100 }, () =>
      pipeline(policy, breaker)
        .execute(() => {
          ran++;
          return 'ok';
        })
        .then(
          (value) => settled.push({ at: clock.now(), value }),
          (error: unknown) => settled.push({ at: clock.now(), value: error }),
        ),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toEqual([]);
    expect(clock.pending).toBe(100);
    expect(delays).toHaveLength(100);
    for (const d of delays) expect(d).toBe(5_000);
    await clock.advance(4_999);
    expect(settled).toEqual([]);
    expect(ran).toBe(0);
    await clock.runAll();
    await Promise.all(calls);
    // One probe closes the breaker; the callers refused while it ran retry after the backoff and succeed.
    expect(settled).toHaveLength(100);
    expect(ran).toBe(100);
    for (const s of settled) expect(s.value).toBe('ok');
    for (const s of settled) expect(s.at).toBeGreaterThanOrEqual(5_000);
    expect(clock.pending).toBe(0);
  });

  it('never sleeps past the deadline while waiting on an open circuit', async () => {
    const clock = new VirtualClock();
    const breaker = await openBreaker(clock, 5_000);
    const policy = retry({ clock, idempotent: true, retryOn: (o) => !o.ok });
    const blocked: string[] = [];
    policy.on('retryBlocked', ({ reason }) => blocked.push(reason));
    const { timeout } = await import('../../src/index.js');
    const error = await pipeline(timeout(1_000, { clock }), policy, breaker)
      .execute(() => 'x')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokenCircuitError);
    expect(blocked).toEqual(['deadline']);
    expect(clock.pending).toBe(0);
  });
});

describe('BreakwaterRetryWarning', () => {
  function captureWarnings(): unknown[] {
    const warnings: unknown[] = [];
    vi.spyOn(process, 'emitWarning').mockImplementation((warning: unknown) => {
      warnings.push(warning);
    });
    return warnings;
  }
  const failing = (): Promise<never> => Promise.reject(new Error('500'));

  it('warns once per policy when a call is blocked as not idempotent and nobody listens to retryBlocked', async () => {
    const warnings = captureWarnings();
    const policy = retry({ name: 'orders' });
    await expect(policy.execute(failing)).rejects.toThrow('500');
    await expect(policy.execute(failing)).rejects.toThrow('500');
    expect(warnings).toHaveLength(1);
    const w = warnings[0] as Error & { code?: string };
    expect(w).toBeInstanceOf(Error);
    expect(w.name).toBe('BreakwaterRetryWarning');
    expect(w.code).toBe('BREAKWATER_RETRY_NOT_IDEMPOTENT');
    expect(w.message).toContain('orders');
    expect(w.message).toContain('idempotent: true');
    await expect(retry({ name: 'other' }).execute(failing)).rejects.toThrow('500');
    expect(warnings).toHaveLength(2);
  });

  it('is silenced by listening to retryBlocked or by warnNotIdempotent: false', async () => {
    const warnings = captureWarnings();
    const listened = retry();
    listened.on('retryBlocked', () => undefined);
    await expect(listened.execute(failing)).rejects.toThrow('500');
    await expect(retry({ warnNotIdempotent: false }).execute(failing)).rejects.toThrow('500');
    expect(warnings).toEqual([]);
  });

  it('rejects a non-boolean warnNotIdempotent', () => {
    expect(() => retry({ warnNotIdempotent: 'no' } as never)).toThrow(
      'retry: warnNotIdempotent must be a boolean, got "no"',
    );
  });
});

describe('isolate() handle', () => {
  it('is disposable: [Symbol.dispose] releases it', () => {
    const breaker = circuitBreaker();
    const handle = breaker.isolate();
    expect(breaker.state).toBe('isolated');
    const dispose = (Symbol as { dispose?: symbol }).dispose ?? Symbol.for('Symbol.dispose');
    (handle as unknown as Record<symbol, () => void>)[dispose]?.();
    expect(breaker.state).toBe('closed');
  });
});
