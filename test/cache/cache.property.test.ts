import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cache } from '../../src/cache/index.js';
import { ChildScope } from '../../src/core/context.js';
import { type CallContext, type Context, pipeline, PolicyBase, type PolicyFunction, RUN } from '../../src/index.js';
import { abortListenerCount, trackedAbortController, VirtualClock } from '../../src/testing/index.js';
import { flush, track, type Tracked } from '../support/async.js';

/**
 * An outer policy whose scope the test aborts by hand. It does not race the
 * caller's promise (as `execute` does with a signal), so when it aborts, only
 * the cache can let the caller go.
 */
class HandScope extends PolicyBase<object> {
  readonly scope = new ChildScope();
  constructor() {
    super('pipeline', { name: 'hand' });
  }
  [RUN]<T>(fn: PolicyFunction<T>, ctx: CallContext): Promise<Awaited<T>> {
    return fn(ctx.withScope(this.scope, ctx.deadline)) as Promise<Awaited<T>>;
  }
}

const callerSpec = fc.record({
  // How the caller can give up: its own signal, an enclosing scope, or not at all.
  via: fc.constantFrom('signal' as const, 'scope' as const, 'none' as const),
  aborts: fc.boolean(),
});

describe('cache: coalescing properties (fast-check scheduler)', () => {
  it('one run per burst; every caller gets the shared outcome or, aborted, its own reason at once; the shared signal aborts iff all aborted; nothing left behind', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(callerSpec, { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        fc.boolean(),
        async (s, specs, ok, honoursAbort) => {
          const clock = new VirtualClock();
          const policy = cache({ ttl: 1_000, clock });
          const read = { key: 'k', idempotent: true };
          const failure = new Error('shared failure');
          let runs = 0;
          let shared: AbortSignal | undefined;
          let runSettled = false;
          const fn = (ctx: Context): Promise<string> => {
            runs++;
            const signal = ctx.signal;
            shared = signal;
            const settled = s.schedule(Promise.resolve(), 'run settles').then(() => {
              runSettled = true;
              if (ok) return 'value';
              throw failure;
            });
            if (!honoursAbort) return settled;
            return new Promise<string>((resolve, reject) => {
              settled.then(resolve, reject);
              signal.addEventListener('abort', () => reject(signal.reason), { once: true });
            });
          };

          const callers = specs.map((spec, i) => {
            const reason = new Error(`caller ${i} gave up`);
            if (spec.via === 'signal') {
              const controller = trackedAbortController();
              const rec = track(policy.execute(fn, { ...read, signal: controller.signal }));
              return {
                spec,
                reason,
                rec,
                abort: () => controller.abort(reason),
                leftover: () => abortListenerCount(controller.signal).current,
              };
            }
            if (spec.via === 'scope') {
              const outer = new HandScope();
              const rec = track(pipeline(outer, policy).execute(fn, read));
              const subscribers = () =>
                (outer.scope as unknown as { subscribers?: unknown[] }).subscribers?.length ?? 0;
              return { spec, reason, rec, abort: () => outer.scope.abort(reason), leftover: subscribers };
            }
            return { spec, reason, rec: track(policy.execute(fn, read)), abort: () => undefined, leftover: () => 0 };
          });
          expect(runs).toBe(1);

          // Which callers aborted while the run was still going, and their state right after.
          const abortedEarly = new Set<number>();
          const checks: Array<() => void> = [];
          callers.forEach((c, i) => {
            if (!c.spec.aborts || c.spec.via === 'none') return;
            s.schedule(Promise.resolve(), `abort ${i}`).then(() => {
              const early = !runSettled;
              if (early) abortedEarly.add(i);
              c.abort();
              // Checked once this step's promise callbacks ran, before any other step (the run's settling included).
              checks.push(() => {
                if (early) expect(c.rec).toMatchObject({ settled: true, ok: false, error: c.reason });
              });
            });
          });
          await s.waitAll(async (step) => {
            await step();
            await flush();
            for (const check of checks.splice(0)) check();
          });
          await flush();

          const allAborted = abortedEarly.size === callers.length;
          callers.forEach((c, i) => {
            const rec: Tracked<unknown> = c.rec;
            expect(rec.settled).toBe(true);
            expect(rec.count).toBe(1);
            if (abortedEarly.has(i)) expect(rec).toMatchObject({ ok: false, error: c.reason });
            else if (ok) expect(rec).toMatchObject({ ok: true, value: 'value' });
            else expect(rec).toMatchObject({ ok: false, error: failure });
            expect(c.leftover()).toBe(0);
          });
          expect(runs).toBe(1);
          expect(shared?.aborted).toBe(allAborted);
          expect(clock.pending).toBe(0);

          // What the burst left: a stored value only when the run succeeded for someone still waiting.
          let again = 0;
          const next = await policy.execute(() => (again++, 'next'), read);
          const stored = ok && !allAborted;
          expect(next).toBe(stored ? 'value' : 'next');
          expect(again).toBe(stored ? 0 : 1);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('the shared signal aborts with the reason of the last caller to leave', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.integer({ min: 1, max: 6 }), async (s, n) => {
        const policy = cache({ ttl: 1_000, clock: new VirtualClock() });
        let shared: AbortSignal | undefined;
        const fn = (ctx: Context) => {
          shared = ctx.signal;
          return new Promise<string>(() => undefined);
        };
        const order: Error[] = [];
        const calls = Array.from({ length: n }, (_, i) => {
          const controller = new AbortController();
          const reason = new Error(`r${i}`);
          const p = policy
            .execute(fn, { key: 'k', idempotent: true, signal: controller.signal })
            .catch((e: unknown) => e);
          s.schedule(Promise.resolve(), `abort ${i}`).then(() => {
            expect(shared?.aborted).toBe(false);
            order.push(reason);
            controller.abort(reason);
          });
          return p;
        });
        await s.waitAll();
        expect(await Promise.all(calls)).toEqual(expect.arrayContaining(order));
        expect(shared?.aborted).toBe(true);
        expect(shared?.reason).toBe(order[order.length - 1]);
      }),
      { numRuns: 200 },
    );
  });
});
