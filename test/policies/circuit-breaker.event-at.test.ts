import { describe, expect, it } from 'vitest';
import { circuitBreaker } from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';

describe('stateChange.at is when the change happened, not when it was noticed', () => {
  it('stamps open → halfOpen at opened + openFor when the state is read later', async () => {
    const clock = new VirtualClock();
    const breaker = circuitBreaker({ clock, window: { kind: 'consecutive', failures: 1 }, openFor: 1_000 });
    const changes: { from: string; to: string; at: number }[] = [];
    breaker.on('stateChange', ({ from, to, at }) => changes.push({ from, to, at }));
    await expect(breaker.execute(() => Promise.reject(new Error('x')))).rejects.toThrow();
    await clock.advance(5_000);
    expect(breaker.state).toBe('halfOpen');
    expect(changes).toEqual([
      { from: 'closed', to: 'open', at: 0 },
      { from: 'open', to: 'halfOpen', at: 1_000 },
    ]);
  });

  it("stamps a hung probe's halfOpen → open at probe start + maxWait", async () => {
    const clock = new VirtualClock();
    const breaker = circuitBreaker({
      clock,
      window: { kind: 'consecutive', failures: 1 },
      openFor: 1_000,
      halfOpen: { maxWait: 500 },
    });
    const changes: { from: string; to: string; at: number; reason: string }[] = [];
    breaker.on('stateChange', ({ from, to, at, reason }) => changes.push({ from, to, at, reason }));
    await expect(breaker.execute(() => Promise.reject(new Error('x')))).rejects.toThrow();
    await clock.advance(2_000);
    void breaker.execute(() => new Promise(() => {})); // the probe hangs, starting at 2,000 (noticing the half-open state)
    await clock.advance(10_000);
    expect(breaker.state).toBe('halfOpen');
    expect(changes).toEqual([
      { from: 'closed', to: 'open', at: 0, reason: 'consecutiveFailures' },
      { from: 'open', to: 'halfOpen', at: 1_000, reason: 'openElapsed' },
      { from: 'halfOpen', to: 'open', at: 2_500, reason: 'probeFailed' },
      { from: 'open', to: 'halfOpen', at: 3_500, reason: 'openElapsed' },
    ]);
  });
});
