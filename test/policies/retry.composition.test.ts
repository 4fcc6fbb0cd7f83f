import { describe, expect, it } from 'vitest';
import { BrokenCircuitError, circuitBreaker, constant, pipeline, retry, timeout } from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';

describe('retry around a circuit breaker', () => {
  it("fails fast by default: an open circuit's refusal is not retried", async () => {
    const clock = new VirtualClock();
    const outer = retry({ clock, idempotent: true, backoff: constant(10) });
    const delays: number[] = [];
    outer.on('retry', (e) => delays.push(e.delay));
    const policy = pipeline(
      outer,
      circuitBreaker({ clock, window: { kind: 'consecutive', failures: 1 }, openFor: 1_000 }),
    );
    let runs = 0;
    const result = policy.execute(() => {
      runs++;
      return Promise.reject(new Error('down'));
    });
    const settled = expect(result).rejects.toBeInstanceOf(BrokenCircuitError);
    await clock.runAll();
    await settled;
    // Attempt 1 fails and opens the breaker; attempt 2 (at 10 ms) is refused and ends the call.
    expect(delays).toEqual([10]);
    expect(runs).toBe(1);
    expect(clock.now()).toBe(10);
    expect(clock.pending).toBe(0);
  });

  it('with a retryOn that accepts open circuits, waits out BrokenCircuitError.retryAfter and lands the retry on the half-open probe', async () => {
    const clock = new VirtualClock();
    const outer = retry({ clock, idempotent: true, backoff: constant(10), retryOn: (o) => !o.ok });
    const delays: Array<[number, string]> = [];
    outer.on('retry', (e) => delays.push([e.delay, e.outcome.ok ? 'value' : (e.outcome.error as Error).name]));
    const policy = pipeline(
      outer,
      circuitBreaker({ clock, window: { kind: 'consecutive', failures: 1 }, openFor: 1_000 }),
    );
    let runs = 0;
    const result = policy.execute(() => {
      runs++;
      return runs === 1 ? Promise.reject(new Error('down')) : Promise.resolve('up');
    });
    await clock.runAll();
    await expect(result).resolves.toBe('up');
    // Attempt 1 fails and opens the breaker; attempt 2 (at 10 ms) is refused with
    // retryAfter 990; attempt 3 waits those 990 ms and runs as the probe.
    expect(delays).toEqual([
      [10, 'Error'],
      [990, 'BrokenCircuitError'],
    ]);
    expect(runs).toBe(2);
    expect(clock.now()).toBe(1_000);
    expect(clock.pending).toBe(0);
  });

  it('with a retryOn that accepts open circuits, retries a non-idempotent call refused by an open breaker: the refusal proves it never ran', async () => {
    const clock = new VirtualClock();
    const breaker = circuitBreaker({ clock, window: { kind: 'consecutive', failures: 1 }, openFor: 500 });
    await expect(breaker.execute(() => Promise.reject(new Error('down')))).rejects.toThrow('down');
    const policy = pipeline(retry({ clock, backoff: constant(0), retryOn: (o) => !o.ok }), breaker);
    const result = policy.execute(() => 'charged once');
    await clock.advance(0);
    await clock.runAll();
    await expect(result).resolves.toBe('charged once');
    expect(clock.now()).toBe(500);
  });

  it('with a retryOn that accepts open circuits, rejects at once with the BrokenCircuitError unchanged when retryAfter reaches past the deadline', async () => {
    const clock = new VirtualClock();
    const breaker = circuitBreaker({ clock, window: { kind: 'consecutive', failures: 1 }, openFor: 60_000 });
    await expect(breaker.execute(() => Promise.reject(new Error('down')))).rejects.toThrow('down');
    const inner = retry({ clock, backoff: constant(10), retryOn: (o) => !o.ok });
    const blocked: string[] = [];
    inner.on('retryBlocked', (e) => blocked.push(e.reason));
    const policy = pipeline(timeout(5_000, { clock }), inner, breaker);
    const result = policy.execute(() => 'never').catch((e: unknown) => e);
    await clock.advance(0);
    const error = await result;
    expect(error).toBeInstanceOf(BrokenCircuitError);
    expect((error as BrokenCircuitError).retryAfter).toBe(60_000);
    expect(blocked).toEqual(['deadline']);
    expect(clock.now()).toBe(0);
    expect(clock.pending).toBe(0);
  });
});
