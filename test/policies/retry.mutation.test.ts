// Tests that pin behaviour mutation testing found unpinned.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Context, constant, exponential, pipeline, retry, TimeoutError, timeout } from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';
import { deferred } from '../support/async.js';

/** Settles a promise into a plain record so that nothing is left unhandled while time moves. */
function settle<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('exponential: exact decorrelated delays', () => {
  const info = (previous: number, u: number) => ({ attempt: 1, previous, random: () => u });

  it('draws from [initial, 3 × initial] before the first retry (previous 0 counts as initial)', () => {
    const b = exponential({ initial: 100, max: 1_000, jitter: 'decorrelated' });
    expect(b(info(0, 0.5))).toBe(200); // 100 + 0.5 × (300 − 100)
    expect(b(info(0, 0))).toBe(100);
  });

  it('grows from the previous delay: previous 200 draws from [100, 600]', () => {
    const b = exponential({ initial: 100, max: 1_000, jitter: 'decorrelated' });
    expect(b(info(200, 0.5))).toBe(350); // 100 + 0.5 × (600 − 100)
  });

  it('takes a previous delay above max as max', () => {
    const b = exponential({ initial: 100, max: 1_000, jitter: 'decorrelated' });
    expect(b(info(5_000, 0.1))).toBe(390); // 100 + 0.1 × (3 × 1000 − 100)
  });

  it('caps the delay at max and floors it at initial, even for a random source outside [0, 1)', () => {
    const b = exponential({ initial: 100, max: 1_000, jitter: 'decorrelated' });
    expect(b(info(900, 0.99))).toBe(1_000);
    expect(b(info(200, -1))).toBe(100);
  });
});

describe('exponential: full jitter stays in [0, max] whatever random returns', () => {
  it('a negative draw gives 0 and a draw above 1 gives max', () => {
    const b = exponential({ initial: 100, max: 400, jitter: 'full' });
    expect(b({ attempt: 1, previous: 0, random: () => -0.5 })).toBe(0);
    expect(b({ attempt: 5, previous: 0, random: () => 1.5 })).toBe(400);
    expect(b({ attempt: 2, previous: 0, random: () => 0.5 })).toBe(100);
  });
});

describe('retry: errors that are not objects', () => {
  it('a non-idempotent call rejected with null or undefined runs once and rejects with that value', async () => {
    for (const thrown of [null, undefined]) {
      const policy = retry({ clock: new VirtualClock() });
      let calls = 0;
      const result = await settle(
        policy.execute(() => {
          calls++;
          return Promise.reject(thrown);
        }),
      );
      expect(result).toEqual({ ok: false, error: thrown });
      expect(calls).toBe(1);
    }
  });

  it('a non-idempotent call whose error has cause null is not retried and keeps its error', async () => {
    const policy = retry({ clock: new VirtualClock() });
    const error = Object.assign(new Error('x'), { cause: null });
    let calls = 0;
    const result = await settle(
      policy.execute(() => {
        calls++;
        return Promise.reject(error);
      }),
    );
    expect(result).toEqual({ ok: false, error });
    expect(calls).toBe(1);
  });

  it('an idempotent call rejected with null or undefined is retried and rejects with that value', async () => {
    for (const thrown of [null, undefined]) {
      const clock = new VirtualClock();
      const policy = retry({ clock, idempotent: true, maxAttempts: 2, backoff: constant(10) });
      let calls = 0;
      const result = settle(
        policy.execute(() => {
          calls++;
          return Promise.reject(thrown);
        }),
      );
      await clock.runAll();
      expect(await result).toEqual({ ok: false, error: thrown });
      expect(calls).toBe(2);
    }
  });
});

describe('retry: retryAfter', () => {
  it('an error with retryAfter Number.MAX_VALUE sleeps the longest timer delay, not the backoff', async () => {
    const clock = new VirtualClock();
    const policy = retry({ clock, idempotent: true, maxAttempts: 2, backoff: constant(10) });
    const delays: number[] = [];
    policy.on('retry', (e) => delays.push(e.delay));
    let calls = 0;
    const result = settle(
      policy.execute(() => {
        calls++;
        return Promise.reject(Object.assign(new Error('slow down'), { retryAfter: Number.MAX_VALUE }));
      }),
    );
    await clock.advance(10_000);
    expect(calls).toBe(1);
    expect(delays).toEqual([2_147_483_647]);
    await clock.runAll();
    expect((await result).ok).toBe(false);
    expect(calls).toBe(2);
  });

  it('a value that retryOn retries is not delayed by its own retryAfter field', async () => {
    const clock = new VirtualClock();
    const policy = retry({
      clock,
      idempotent: true,
      maxAttempts: 2,
      backoff: constant(10),
      retryOn: (o) => o.ok && (o.value as { retry: boolean }).retry,
    });
    const delays: number[] = [];
    policy.on('retry', (e) => delays.push(e.delay));
    let calls = 0;
    const result = settle(
      policy.execute(() => {
        calls++;
        return { retry: calls === 1, retryAfter: 60_000 };
      }),
    );
    await clock.advance(10);
    expect(delays).toEqual([10]);
    expect(calls).toBe(2);
    expect(await result).toEqual({ ok: true, value: { retry: false, retryAfter: 60_000 } });
  });
});

describe('retry: onDiscard', () => {
  it('gets only retried values, never retried errors', async () => {
    const clock = new VirtualClock();
    const discarded: unknown[] = [];
    const policy = retry({
      clock,
      idempotent: true,
      maxAttempts: 3,
      backoff: constant(1),
      retryOn: (o) => !o.ok || o.value === 'bad',
      onDiscard: (v) => discarded.push(v),
    });
    const script: unknown[] = [new Error('e1'), 'bad', 'good'];
    let i = 0;
    const result = settle(
      policy.execute(() => {
        const step = script[i++];
        return step instanceof Error ? Promise.reject(step) : Promise.resolve(step);
      }),
    );
    await clock.runAll();
    expect(await result).toEqual({ ok: true, value: 'good' });
    expect(discarded).toEqual(['bad']);
  });

  it('without onDiscard, retrying a value emits no warning', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const clock = new VirtualClock();
    const policy = retry({ clock, idempotent: true, maxAttempts: 2, backoff: constant(1), retryOn: (o) => o.ok && o.value === 'bad' });
    let i = 0;
    const result = settle(policy.execute(() => (i++ === 0 ? 'bad' : 'good')));
    await clock.runAll();
    expect(await result).toEqual({ ok: true, value: 'good' });
    expect(warn).not.toHaveBeenCalled();
  });
});

describe('retry: the enclosing scope aborts while an attempt runs', () => {
  it('a value that retryOn would retry is kept: nothing is retried after the abort', async () => {
    const clock = new VirtualClock();
    const policy = pipeline(
      timeout(50, { clock, strategy: 'cooperative' }),
      retry({ clock, idempotent: true, maxAttempts: 3, backoff: constant(10), retryOn: () => true }),
    );
    const d = deferred<string>();
    let calls = 0;
    const result = settle(
      policy.execute(() => {
        calls++;
        return d.promise;
      }),
    );
    await clock.advance(50); // the timeout aborts the retry's scope
    d.resolve('late value');
    await clock.runAll();
    expect(await result).toEqual({ ok: true, value: 'late value' });
    expect(calls).toBe(1);
  });

  it('a failure after the abort rejects with the scope reason and is not retried', async () => {
    const clock = new VirtualClock();
    const policy = pipeline(
      timeout(50, { clock, strategy: 'cooperative' }),
      retry({ clock, idempotent: true, maxAttempts: 3, backoff: constant(10), retryOn: (o) => !o.ok }),
    );
    const d = deferred<string>();
    let calls = 0;
    const attemptError = new Error('attempt failed');
    const result = settle(
      policy.execute(() => {
        calls++;
        return d.promise;
      }),
    );
    await clock.advance(50);
    d.reject(attemptError);
    await clock.runAll();
    const r = await result;
    expect(r.ok).toBe(false);
    expect(r.ok ? undefined : r.error).toBeInstanceOf(TimeoutError);
    expect(calls).toBe(1);
  });

  it('a retry listener that aborts the caller ends the call at once, with no timer left', async () => {
    const clock = new VirtualClock();
    const policy = retry({ clock, idempotent: true, maxAttempts: 3, backoff: constant(1_000) });
    const controller = new AbortController();
    const reason = new Error('stop');
    policy.on('retry', () => controller.abort(reason));
    let calls = 0;
    let outcome: unknown;
    const done = policy
      .execute(
        () => {
          calls++;
          return Promise.reject(new Error('down'));
        },
        { signal: controller.signal },
      )
      .catch((error: unknown) => {
        outcome = error;
      });
    // No time passes: the call must settle on its own.
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(outcome).toBe(reason);
    expect(clock.pending).toBe(0);
    expect(calls).toBe(1);
    await done;
  });
});

describe('retry: attempt events', () => {
  it('a listener added during the first attempt times the following attempts only', async () => {
    const clock = new VirtualClock();
    const policy = retry({ clock, idempotent: true, maxAttempts: 3, backoff: constant(10) });
    const seen: { attempt: number; durationMs: number }[] = [];
    const listener = (e: { attempt: number; durationMs: number }): void => {
      seen.push({ attempt: e.attempt, durationMs: e.durationMs });
    };
    let calls = 0;
    const result = settle(
      policy.execute((_ctx: Context) => {
        calls++;
        if (calls === 1) policy.on('attempt', listener);
        return Promise.reject(new Error(`e${calls}`));
      }),
    );
    await clock.runAll();
    expect((await result).ok).toBe(false);
    expect(seen).toEqual([
      { attempt: 2, durationMs: 0 },
      { attempt: 3, durationMs: 0 },
    ]);
  });
});
