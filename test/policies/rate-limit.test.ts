import { describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { isRateLimitedError, keyed, pipeline, rateLimit, RateLimitedError, timeout } from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';
import { manualClock } from '../support/manual-clock.js';

const ok = (): string => 'ok';

/** Runs one call and reports whether it was admitted, without an unhandled rejection. */
async function admitted(p: Promise<unknown>): Promise<boolean> {
  try {
    await p;
    return true;
  } catch (error) {
    if (error instanceof RateLimitedError) return false;
    throw error;
  }
}

describe('rateLimit: defaults and validation', () => {
  it('defaults burst to limit and the name to "rateLimit"', () => {
    const r = rateLimit({ limit: 5, perMs: 1_000 });
    expect(r.burst).toBe(5);
    expect(r.limit).toBe(5);
    expect(r.perMs).toBe(1_000);
    expect(r.name).toBe('rateLimit');
  });

  it.each([
    [{ limit: 0, perMs: 1 }, RangeError, 'rateLimit: limit must be an integer >= 1, got 0'],
    [{ limit: 1.5, perMs: 1 }, RangeError, 'rateLimit: limit must be an integer >= 1, got 1.5'],
    [{ limit: Infinity, perMs: 1 }, RangeError, 'rateLimit: limit must be an integer >= 1, got Infinity'],
    [{ perMs: 1 }, TypeError, 'rateLimit: limit must be an integer >= 1, got undefined'],
    [{ limit: 1, perMs: 0 }, RangeError, 'rateLimit: perMs must be a positive finite number, got 0'],
    [{ limit: 1, perMs: -3 }, RangeError, 'rateLimit: perMs must be a positive finite number, got -3'],
    [{ limit: 1, perMs: NaN }, RangeError, 'rateLimit: perMs must be a positive finite number, got NaN'],
    [{ limit: 1 }, TypeError, 'rateLimit: perMs must be a positive finite number, got undefined'],
    [{ limit: 1, perMs: 1, burst: 0 }, RangeError, 'rateLimit: burst must be an integer >= 1, got 0'],
    [{ limit: 1, perMs: 1, burst: '2' }, TypeError, 'rateLimit: burst must be an integer >= 1, got "2"'],
  ])('rejects %o with a %s naming the option and value', (options, type, message) => {
    expect(() => rateLimit(options as never)).toThrow(type);
    expect(() => rateLimit(options as never)).toThrow(message);
  });

  it('rejects a bad options object, clock and name', () => {
    expect(() => rateLimit(undefined as never)).toThrow('rateLimit: limit must be an integer >= 1, got undefined');
    expect(() => rateLimit([] as never)).toThrow('rateLimit: options must be an object, got an array');
    expect(() => rateLimit({ limit: 1, perMs: 1, clock: 1 as never })).toThrow('rateLimit: clock must be an object');
    expect(() => rateLimit({ limit: 1, perMs: 1, name: '' })).toThrow('rateLimit: name must be a non-empty string');
  });
});

describe('rateLimit: token bucket', () => {
  it('admits burst calls at once, then rejects with RateLimitedError (retryAfter, executed false) without running fn', async () => {
    const clock = new VirtualClock();
    const r = rateLimit({ limit: 2, perMs: 1_000, burst: 3, clock });
    const fn = vi.fn(ok);
    for (let i = 0; i < 3; i++) await expect(r.execute(fn)).resolves.toBe('ok');
    const error = await r.execute(fn).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(isRateLimitedError(error)).toBe(true);
    expect((error as RateLimitedError).executed).toBe(false);
    expect((error as RateLimitedError).retryAfter).toBe(500);
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it('refills lazily from the clock: retryAfter is exactly the time until the next token', async () => {
    const clock = new VirtualClock();
    const r = rateLimit({ limit: 4, perMs: 1_000, burst: 1, clock });
    await r.execute(ok);
    await clock.advance(100);
    const error = (await r.execute(ok).catch((e: unknown) => e)) as RateLimitedError;
    expect(error.retryAfter).toBe(150);
    await clock.advance(149);
    expect(await admitted(r.execute(ok))).toBe(false);
    await clock.advance(1);
    expect(await admitted(r.execute(ok))).toBe(true);
  });

  it('never holds more than burst tokens after a long quiet spell', async () => {
    const clock = new VirtualClock();
    const r = rateLimit({ limit: 10, perMs: 100, burst: 3, clock });
    await clock.advance(1_000_000);
    expect(r.available).toBe(3);
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await admitted(r.execute(ok)));
    expect(results).toEqual([true, true, true, false, false]);
  });

  it('holds no timer, idle or busy', async () => {
    const clock = new VirtualClock();
    const r = rateLimit({ limit: 1, perMs: 1_000, clock });
    await r.execute(ok);
    await r.execute(ok).catch(() => undefined);
    expect(clock.pending).toBe(0);
  });

  it('counts a call when it starts: a failing call still spends its token', async () => {
    const clock = new VirtualClock();
    const r = rateLimit({ limit: 1, perMs: 1_000, clock });
    await expect(r.execute(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(await admitted(r.execute(ok))).toBe(false);
  });

  it('rejects with the caller reason when already aborted, without spending a token', async () => {
    const clock = new VirtualClock();
    const r = rateLimit({ limit: 1, perMs: 1_000, clock });
    const controller = new AbortController();
    controller.abort('gone');
    await expect(r.execute(ok, { signal: controller.signal })).rejects.toBe('gone');
    expect(r.available).toBe(1);
  });

  it('runs inside a pipeline and refuses the next call there too', async () => {
    const clock = new VirtualClock();
    const policy = pipeline(timeout(1_000, { clock }), rateLimit({ limit: 1, perMs: 1_000, clock }));
    await expect(policy.execute(ok)).resolves.toBe('ok');
    await expect(policy.execute(ok)).rejects.toBeInstanceOf(RateLimitedError);
    expect(clock.pending).toBe(0);
  });

  it('gives each caller its own bucket through keyed (the API-key case)', async () => {
    const clock = new VirtualClock();
    const perCaller = keyed(() => rateLimit({ limit: 1, perMs: 1_000, clock }), { clock });
    expect(await admitted(perCaller.execute(ok, { key: 'alice' }))).toBe(true);
    expect(await admitted(perCaller.execute(ok, { key: 'alice' }))).toBe(false);
    expect(await admitted(perCaller.execute(ok, { key: 'bob' }))).toBe(true);
    await clock.advance(1_000);
    expect(await admitted(perCaller.execute(ok, { key: 'alice' }))).toBe(true);
  });

  it('emits rejected with retryAfter and the common fields', async () => {
    const clock = new VirtualClock(5);
    const r = rateLimit({ limit: 1, perMs: 1_000, clock, name: 'api' });
    const seen: unknown[] = [];
    r.on('rejected', (e) => seen.push(e));
    await r.execute(ok);
    await r.execute(ok, { key: 'k', correlationId: 'c' }).catch(() => undefined);
    expect(seen).toEqual([{ retryAfter: 1_000, policy: 'api', key: 'k', correlationId: 'c', at: 5 }]);
  });

  it('works with fractional clock readings (performance.now)', async () => {
    let now = 0.25;
    const clock = { now: () => now, setTimeout: () => 0, clearTimeout: () => {} };
    const r = rateLimit({ limit: 3, perMs: 10, burst: 1, clock });
    expect(await admitted(r.execute(ok))).toBe(true);
    now += 10 / 3 - 1e-9;
    expect(await admitted(r.execute(ok))).toBe(false);
    now += 1e-6;
    expect(await admitted(r.execute(ok))).toBe(true);
  });

  it('ignores a clock that steps back', async () => {
    let now = 1_000;
    const clock = { now: () => now, setTimeout: () => 0, clearTimeout: () => {} };
    const r = rateLimit({ limit: 1, perMs: 100, clock });
    expect(await admitted(r.execute(ok))).toBe(true);
    now = 0;
    expect(await admitted(r.execute(ok))).toBe(false);
    now = 100;
    expect(await admitted(r.execute(ok))).toBe(false); // the bucket counts from 1,000
    now = 1_100;
    expect(await admitted(r.execute(ok))).toBe(true);
  });
});

describe('rateLimit: properties on the VirtualClock', () => {
  it('admits at most burst + limit × elapsed / perMs calls over any interval, and every call when under the rate', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 80 }),
        async (limit, perMs, burst, gaps) => {
          const clock = new VirtualClock();
          const r = rateLimit({ limit, perMs, burst, clock });
          const times: number[] = [];
          for (const gap of gaps) {
            await clock.advance(gap);
            if (await admitted(r.execute(ok))) times.push(clock.now());
          }
          // Every interval [times[i], times[j]] between admitted calls (the tightest ones).
          for (let i = 0; i < times.length; i++) {
            for (let j = i; j < times.length; j++) {
              const elapsed = (times[j] as number) - (times[i] as number);
              expect(j - i + 1).toBeLessThanOrEqual(burst + (limit * elapsed) / perMs);
            }
          }
          // And it is not stricter than needed: with gaps of a token's worth, all are admitted.
          expect(times.length).toBeGreaterThanOrEqual(Math.min(gaps.length, burst));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('admits every call that arrives at most limit per perMs after a quiet spell', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 40 }),
        async (limit, k, n) => {
          const clock = new VirtualClock();
          const perMs = limit * k; // one token every k ms, exactly
          const r = rateLimit({ limit, perMs, burst: 1, clock });
          for (let i = 0; i < n; i++) {
            expect(await admitted(r.execute(ok))).toBe(true);
            await clock.advance(k);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('rateLimit: a clock that steps back', () => {
  it('a clock that steps back neither adds nor removes tokens', async () => {
    const clock = manualClock(10_000);
    const policy = rateLimit({ limit: 2, perMs: 1_000, clock });
    await policy.execute(() => 'a');
    expect(policy.available).toBe(1);
    clock.t = 9_000; // one second back
    expect(policy.available).toBe(1);
    clock.t = 10_500; // half a period after the first call: one more token
    expect(policy.available).toBe(2);
  });
});
