import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bulkhead, type Clock, isBulkheadRejectedError } from '../../src/index.js';

/**
 * A clock whose timers fire when fast-check's scheduler says so, in any order
 * relative to everything else: the harshest setting for races between a queue
 * timeout, an abort and a release.
 */
class ScheduledClock implements Clock {
  live = 0;
  constructor(private readonly s: fc.Scheduler) {}
  now(): number {
    return 0;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const timer = { cancelled: false };
    this.live++;
    void this.s.schedule(Promise.resolve(), `queue timer (${ms} ms)`).then(() => {
      if (timer.cancelled) return;
      timer.cancelled = true;
      this.live--;
      fn();
    });
    return timer;
  }
  clearTimeout(handle: unknown): void {
    const timer = handle as { cancelled: boolean };
    if (timer.cancelled) return;
    timer.cancelled = true;
    this.live--;
  }
}

// A call without a signal (and no queueTimeout) can never leave the queue and takes the bulkhead's
// lighter queued path; `signal` mixes both kinds in one queue.
const callArb = fc.record({ abort: fc.boolean(), fail: fc.boolean(), signal: fc.boolean() });

describe('bulkhead: properties under random interleavings', () => {
  it('caps running and queued calls, starts queued calls in FIFO order, settles each call once, and ends empty', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 5 }),
        fc.boolean(),
        fc.array(callArb, { minLength: 1, maxLength: 14 }),
        async (s, maxConcurrent, maxQueue, withQueueTimeout, calls) => {
          const clock = new ScheduledClock(s);
          const pool = bulkhead({ maxConcurrent, maxQueue, clock, queueTimeout: withQueueTimeout ? 50 : undefined });
          let running = 0;
          const started: number[] = [];
          const enqueued: number[] = [];
          const state = calls.map(() => ({
            queued: false,
            started: false,
            abortedWhileQueued: false,
            settles: 0,
            error: undefined as unknown,
          }));
          const controllers = calls.map(() => new AbortController());

          calls.forEach((call, i) => {
            const st = state[i];
            if (st === undefined) return;
            void s.schedule(Promise.resolve(), `arrive ${i}`).then(() => {
              const queuedBefore = pool.queued;
              const p = pool.execute(
                async () => {
                  st.started = true;
                  started.push(i);
                  running++;
                  expect(running).toBeLessThanOrEqual(maxConcurrent);
                  expect(pool.active).toBeLessThanOrEqual(maxConcurrent);
                  await s.schedule(Promise.resolve(), `finish ${i}`);
                  running--;
                  if (call.fail) throw new Error(`fail ${i}`);
                  return i;
                },
                { signal: call.abort || call.signal ? controllers[i]?.signal : undefined },
              );
              if (pool.queued === queuedBefore + 1) {
                st.queued = true;
                enqueued.push(i);
              }
              expect(pool.queued).toBeLessThanOrEqual(maxQueue);
              p.then(
                () => st.settles++,
                (error: unknown) => {
                  st.settles++;
                  st.error = error;
                },
              );
            });
            if (call.abort) {
              void s.schedule(Promise.resolve(), `abort ${i}`).then(() => {
                if (st.queued && !st.started && st.settles === 0 && !isBulkheadRejectedError(st.error)) {
                  st.abortedWhileQueued = true;
                }
                controllers[i]?.abort(new Error(`abort ${i}`));
              });
            }
          });

          // Run every scheduled step, letting promise callbacks (release, settle) run after each round.
          for (let round = 0; round < 10 && (s.count() > 0 || state.some((st) => st.settles === 0)); round++) {
            await s.waitAll();
            await new Promise((resolve) => setImmediate(resolve));
          }

          // Queued calls start in the order they were queued.
          const startedFromQueue = started.filter((i) => state[i]?.queued === true);
          const order = enqueued.filter((i) => startedFromQueue.includes(i));
          expect(startedFromQueue).toEqual(order);
          for (const [i, st] of state.entries()) {
            expect(st.settles, `call ${i} settles exactly once`).toBe(1);
            if (st.abortedWhileQueued && !st.started) {
              expect((st.error as Error).message).toBe(`abort ${i}`);
            }
          }
          // A call aborted while queued never starts afterwards.
          for (const st of state) if (st.abortedWhileQueued) expect(st.started).toBe(false);
          expect(pool.active).toBe(0);
          expect(pool.queued).toBe(0);
          expect(clock.live).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('never loses a slot when a queue timeout, an abort and a release race (failsafe #393)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.integer({ min: 1, max: 3 }), async (s, extra) => {
        const clock = new ScheduledClock(s);
        const pool = bulkhead({ maxConcurrent: 1, maxQueue: extra, queueTimeout: 10, clock });
        const ran: number[] = [];
        const outcomes: string[] = [];
        const controllers = Array.from({ length: extra + 1 }, () => new AbortController());
        const all = controllers.map((c, i) =>
          pool
            .execute(
              async () => {
                ran.push(i);
                await s.schedule(Promise.resolve(), `finish ${i}`);
              },
              { signal: c.signal },
            )
            .then(
              () => outcomes.push(`${i} ok`),
              (e: unknown) => outcomes.push(`${i} ${isBulkheadRejectedError(e) ? e.reason : 'aborted'}`),
            ),
        );
        controllers.forEach(
          (c, i) => void s.schedule(Promise.resolve(), `abort ${i}`).then(() => c.abort(new Error('a'))),
        );
        await s.waitAll();
        await Promise.all(all);
        expect(outcomes).toHaveLength(extra + 1);
        expect(pool.active).toBe(0);
        expect(pool.queued).toBe(0);
        expect(clock.live).toBe(0);
        // The slot is back: a fresh call runs at once.
        let ranNow = false;
        await pool.execute(() => {
          ranNow = true;
        });
        expect(ranNow).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
