// Tests that pin behaviour mutation testing found unpinned.
import { describe, expect, it } from 'vitest';
import { hedge } from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';

const boom = new Error('boom');

/** A call that settles after `ms` on the virtual clock. */
function after<T>(clock: VirtualClock, ms: number, outcome: { value: T } | { error: unknown }): () => Promise<T> {
  return () =>
    new Promise<T>((resolve, reject) => {
      clock.setTimeout(() => ('value' in outcome ? resolve(outcome.value) : reject(outcome.error)), ms);
    });
}

describe('hedge mutation: attempt events', () => {
  it('a non-idempotent call (never hedged) reports its one attempt with its duration, on success and on failure', async () => {
    const clock = new VirtualClock(1_000);
    const policy = hedge({ delay: 10, clock });
    const seen: unknown[] = [];
    policy.on('attempt', (e) => seen.push({ attempt: e.attempt, durationMs: e.durationMs, outcome: e.outcome }));

    const ok = policy.execute(after(clock, 30, { value: 'v' }));
    await clock.advance(30);
    await expect(ok).resolves.toBe('v');

    const failed = policy.execute(after(clock, 40, { error: boom })).catch((e: unknown) => e);
    await clock.advance(40);
    expect(await failed).toBe(boom);

    expect(seen).toEqual([
      { attempt: 1, durationMs: 30, outcome: { ok: true, value: 'v' } },
      { attempt: 1, durationMs: 40, outcome: { ok: false, error: boom } },
    ]);
    expect(clock.pending).toBe(0);
  });

  it('a hedged attempt that fails is reported with its error', async () => {
    const clock = new VirtualClock();
    const policy = hedge({ delay: 10, maxHedged: 1, clock });
    const seen: unknown[] = [];
    policy.on('attempt', (e) => seen.push({ attempt: e.attempt, durationMs: e.durationMs, outcome: e.outcome }));
    let n = 0;
    const result = policy.execute(() => (++n === 1 ? after(clock, 5, { error: boom })() : after(clock, 5, { value: 'second' })()), {
      idempotent: true,
    });
    await clock.advance(10);
    await expect(result).resolves.toBe('second');
    expect(seen).toEqual([
      { attempt: 1, durationMs: 5, outcome: { ok: false, error: boom } },
      { attempt: 2, durationMs: 5, outcome: { ok: true, value: 'second' } },
    ]);
  });
});

describe('hedge mutation: timers', () => {
  it('holds no hedge timer once every attempt has started, while they still run', async () => {
    const clock = new VirtualClock();
    const policy = hedge({ delay: 10, maxHedged: 1, clock });
    const resolvers: ((v: string) => void)[] = [];
    const result = policy.execute(() => new Promise<string>((resolve) => resolvers.push(resolve)), { idempotent: true });
    await clock.advance(10);
    expect(resolvers).toHaveLength(2);
    expect(clock.pending).toBe(0);
    resolvers[1]?.('second');
    await expect(result).resolves.toBe('second');
  });
});
