import { getEventListeners } from 'node:events';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Context, constant, exponential, type Jitter, retry, retryBudget } from '../../src/index.js';
import { seededRandom, VirtualClock } from '../../src/testing/index.js';

type Step = 'ok' | 'fail-ran' | 'fail-not-started' | 'bad-value';

const step: fc.Arbitrary<Step> = fc.constantFrom('ok', 'fail-ran', 'fail-not-started', 'bad-value');

/** Plays `script` one step per attempt (the last step repeats); each step takes `ms` on the clock. */
function playing(script: Step[], clock: VirtualClock, ms: number) {
  let calls = 0;
  const fn = (ctx: Context): Promise<string> =>
    new Promise((resolve, reject) => {
      const s = script[Math.min(calls, script.length - 1)] as Step;
      calls++;
      const finish = (): void => {
        ctx.signal.removeEventListener('abort', onAbort);
        if (s === 'ok') resolve('good');
        else if (s === 'bad-value') resolve('bad');
        else reject(Object.assign(new Error(s), { executed: s === 'fail-ran' ? true : false }));
      };
      const timer = clock.setTimeout(finish, ms);
      const onAbort = (): void => {
        clock.clearTimeout(timer);
        reject(ctx.signal.reason);
      };
      ctx.signal.addEventListener('abort', onAbort, { once: true });
    });
  return { fn, calls: () => calls };
}

describe('retry properties', () => {
  it('never runs more than maxAttempts attempts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.boolean(),
        fc.boolean(),
        fc.array(step, { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 50 }),
        fc.integer(),
        async (maxAttempts, idempotent, valuesToo, script, ms, seed) => {
          const clock = new VirtualClock();
          const policy = retry({
            clock,
            maxAttempts,
            idempotent,
            random: seededRandom(seed),
            ...(valuesToo ? { retryOn: (o) => !o.ok || o.value === 'bad' } : {}),
          });
          const { fn, calls } = playing(script, clock, ms);
          const result = policy.execute(fn).then(
            () => 'resolved',
            () => 'rejected',
          );
          await clock.runAll();
          await result;
          expect(calls()).toBeGreaterThanOrEqual(1);
          expect(calls()).toBeLessThanOrEqual(maxAttempts);
          expect(clock.pending).toBe(0);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('runs a non-idempotent call exactly once when none of its failures has executed === false', async () => {
    const notProof = fc.constantFrom<unknown>(true, undefined, null, 0, 'false', 'no');
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 10 }),
        notProof,
        fc.boolean(),
        async (maxAttempts, executed, asCause) => {
          const clock = new VirtualClock();
          const policy = retry({ clock, maxAttempts, backoff: constant(0) });
          let calls = 0;
          const error = Object.assign(new Error('failed'), { executed, code: 'ECONNRESET' });
          const thrown = asCause ? new TypeError('fetch failed', { cause: error }) : error;
          const result = policy
            .execute(() => {
              calls++;
              return Promise.reject(thrown);
            })
            .then(
              () => undefined,
              (e: unknown) => e,
            );
          await clock.runAll();
          expect(await result).toBe(thrown);
          expect(calls).toBe(1);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('every exponential delay is finite and within its jitter bounds, for any attempt number', () => {
    const jitter = fc.constantFrom<Jitter>('full', 'equal', 'decorrelated', 'none');
    const attempt = fc.oneof(
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 1_000, max: 1_100 }),
      fc.integer({ min: 1, max: 2 ** 31 }),
      fc.constantFrom(1_025, 1_026, Number.MAX_SAFE_INTEGER, Infinity, 0, -3, NaN),
    );
    const previous = fc.oneof(fc.double({ min: 0, max: 1e9, noNaN: true }), fc.constantFrom(0, Infinity, NaN, -1));
    fc.assert(
      fc.property(
        fc.double({ min: 0.001, max: 10_000, noNaN: true }),
        fc.double({ min: 1, max: 10, noNaN: true }),
        fc.double({ min: 0, max: 1e7, noNaN: true }),
        jitter,
        attempt,
        previous,
        fc.integer(),
        (initial, factor, extra, j, n, prev, seed) => {
          const max = initial + extra;
          const backoff = exponential({ initial, factor, max, jitter: j });
          const random = seededRandom(seed);
          const d = backoff({ attempt: n, previous: prev, random });
          expect(Number.isFinite(d)).toBe(true);
          expect(d).toBeGreaterThanOrEqual(0);
          expect(d).toBeLessThanOrEqual(max);
          const k = n > 1 ? n - 1 : 0;
          // 1 ** Infinity is NaN in JavaScript, but a factor of 1 never grows the delay.
          const grown = factor === 1 ? initial : initial * Math.pow(factor, k);
          const ceiling = Math.min(max, grown) || max;
          if (j === 'none') expect(d).toBe(Number.isNaN(grown) ? max : ceiling);
          if (j === 'full') expect(d).toBeLessThanOrEqual(ceiling);
          if (j === 'equal') {
            expect(d).toBeGreaterThanOrEqual(ceiling / 2);
            expect(d).toBeLessThanOrEqual(ceiling);
          }
          if (j === 'decorrelated') {
            const p = prev > initial ? Math.min(prev, max) : initial;
            expect(d).toBeGreaterThanOrEqual(initial);
            expect(d).toBeLessThanOrEqual(Math.min(max, 3 * p));
          }
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('delays through the policy stay within the formula bounds, also past attempt 1,025 (Polly #2163)', async () => {
    const clock = new VirtualClock();
    const policy = retry({
      clock,
      idempotent: true,
      maxAttempts: 1_100,
      random: seededRandom(7),
      backoff: exponential({ initial: 1, factor: 2, max: 50, jitter: 'decorrelated' }),
    });
    const delays: number[] = [];
    policy.on('retry', (e) => delays.push(e.delay));
    const result = policy.execute(() => Promise.reject(new Error('down'))).catch(() => 'done');
    await clock.runAll();
    expect(await result).toBe('done');
    expect(delays).toHaveLength(1_099);
    for (const d of delays) {
      expect(Number.isFinite(d)).toBe(true);
      expect(d).toBeGreaterThanOrEqual(1);
      expect(d).toBeLessThanOrEqual(50);
    }
    const full = exponential();
    for (const n of [1_024, 1_025, 1_026, 5_000]) {
      const d = full({ attempt: n, previous: 10_000, random: () => 0.999 });
      expect(d).toBeGreaterThan(9_980);
      expect(d).toBeLessThanOrEqual(10_000);
    }
  });

  it('with a budget of ratio r, a permanent outage costs at most (1 + r) × calls + minPerSecond × seconds attempts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 10, max: 150 }),
        fc.integer({ min: 1, max: 200 }),
        fc.constantFrom(3, 5, Infinity),
        fc.integer(),
        async (ratio, minPerSecond, calls, gapMs, maxAttempts, seed) => {
          const clock = new VirtualClock();
          const budget = retryBudget({ ratio, minPerSecond, clock });
          const policy = retry({ clock, idempotent: true, maxAttempts, budget, random: seededRandom(seed) });
          let attempts = 0;
          const fn = (): Promise<never> => {
            attempts++;
            return Promise.reject(new Error('down'));
          };
          // Infinity with a floor that outpaces the retries never ends by itself, so the
          // outage is watched for a fixed time, then every call is aborted.
          const controller = new AbortController();
          const results: Array<Promise<unknown>> = [];
          for (let i = 0; i < calls; i++) {
            results.push(policy.execute(fn, { signal: controller.signal }).catch(() => undefined));
            await clock.advance(gapMs);
          }
          await clock.advance(30_000);
          const seconds = clock.now() / 1_000;
          const capacity = minPerSecond === 0 ? 0 : Math.max(1, minPerSecond);
          // The floor starts full: `capacity` retries at once, then minPerSecond per second.
          expect(attempts).toBeLessThanOrEqual((1 + ratio) * calls + capacity + minPerSecond * seconds + 1e-6);
          if (maxAttempts !== Infinity) expect(attempts).toBeLessThanOrEqual(maxAttempts * calls);
          controller.abort(new Error('end of test'));
          await Promise.all(results);
          expect(clock.pending).toBe(0);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('aborting at a random moment rejects with signal.reason and leaves no timer and no listener', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 2_000 }),
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 1, max: 5 }),
        fc.boolean(),
        fc.integer(),
        async (abortAt, attemptMs, maxAttempts, exp, seed) => {
          const clock = new VirtualClock();
          const policy = retry({
            clock,
            maxAttempts,
            idempotent: true,
            random: seededRandom(seed),
            backoff: exp ? exponential({ initial: 50 }) : constant(100),
          });
          const controller = new AbortController();
          const reason = new Error('caller gave up');
          const { fn } = playing(['fail-ran'], clock, attemptMs);
          let abortedFirst = false;
          const result = policy.execute(fn, { signal: controller.signal }).then(
            () => ({ ok: true as const, error: undefined }),
            (error: unknown) => {
              abortedFirst = controller.signal.aborted;
              return { ok: false as const, error };
            },
          );
          const abortTimer = clock.setTimeout(() => controller.abort(reason), abortAt);
          await clock.runAll();
          const r = await result;
          expect(r.ok).toBe(false);
          if (abortedFirst) expect(r.error).toBe(reason);
          else expect((r.error as Error).message).toBe('fail-ran');
          clock.clearTimeout(abortTimer);
          expect(clock.pending).toBe(0);
          expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('a caller abort racing the wake-up and the attempt settles the call exactly once (fc.scheduler)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.integer({ min: 1, max: 4 }), async (s, maxAttempts) => {
        // A clock whose timers fire when the scheduler says so.
        let pending = 0;
        const clock = {
          now: () => 0,
          setTimeout(fn: () => void): unknown {
            const h = { live: true };
            pending++;
            void s.schedule(Promise.resolve('timer')).then(() => {
              if (!h.live) return;
              h.live = false;
              pending--;
              fn();
            });
            return h;
          },
          clearTimeout(h: unknown): void {
            const t = h as { live: boolean };
            if (!t.live) return;
            t.live = false;
            pending--;
          },
        };
        const policy = retry({ clock, maxAttempts, idempotent: true, backoff: constant(1) });
        const controller = new AbortController();
        const reason = new Error('abort');
        let settledCount = 0;
        const result = policy
          .execute(() => s.schedule(Promise.reject(new Error('down')), 'attempt'), { signal: controller.signal })
          .then(
            () => settledCount++,
            () => settledCount++,
          );
        void s.schedule(Promise.resolve('abort')).then(() => controller.abort(reason));
        await s.waitAll();
        await result;
        expect(settledCount).toBe(1);
        expect(pending).toBe(0);
        expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      }),
      { numRuns: 100 },
    );
  });
});
