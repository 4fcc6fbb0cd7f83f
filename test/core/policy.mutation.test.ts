// Tests that pin behaviour mutation testing found unpinned.
import { describe, expect, it } from 'vitest';
import { circuitBreaker, fallback, timeout } from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';

describe('execute: the first context', () => {
  it('is not idempotent unless the caller says so', async () => {
    const clock = new VirtualClock();
    const policy = timeout(1_000, { clock });
    await expect(policy.execute((ctx) => ctx.idempotent)).resolves.toBe(false);
    await expect(policy.execute((ctx) => ctx.idempotent, { idempotent: true })).resolves.toBe(true);
  });
});

describe('execute: the caller aborts from inside the function', () => {
  it('rejects with the reason even when the function then returns a value', async () => {
    const policy = fallback('fb');
    const controller = new AbortController();
    const reason = new Error('aborted inside');
    const result = policy.execute(
      () => {
        controller.abort(reason);
        return 'value';
      },
      { signal: controller.signal },
    );
    await expect(result).rejects.toBe(reason);
  });
});

describe('events', () => {
  it('an event with no causing call has key and correlationId undefined', () => {
    const clock = new VirtualClock(42);
    const b = circuitBreaker({ clock, name: 'db' });
    const seen: unknown[] = [];
    b.on('stateChange', (e) => seen.push(e));
    b.isolate();
    expect(seen).toEqual([
      {
        from: 'closed',
        to: 'isolated',
        reason: 'isolated',
        policy: 'db',
        key: undefined,
        correlationId: undefined,
        at: 42,
      },
    ]);
  });

  it('an event a policy emits only when someone listens reaches its listener', async () => {
    const b = circuitBreaker();
    b.isolate();
    const states: string[] = [];
    b.on('rejected', (e) => states.push(e.state));
    await b.execute(() => 'x').catch(() => undefined);
    expect(states).toEqual(['isolated']);
  });
});
