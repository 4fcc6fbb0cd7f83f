/**
 * The reliability suite: random pipelines of every policy, with random valid
 * options, random scripted dependencies and random caller aborts, all on the
 * VirtualClock. Whatever the composition, breakwater's promises hold:
 *
 * - every `execute` settles, exactly once;
 * - no unhandled rejection;
 * - no timer and no abort listener is left once calls have settled: whenever
 *   no call is in flight, the policies hold no timer at all (a timer that is
 *   never cleared but fires later is caught too);
 * - a caller abort always rejects with `signal.reason`, unchanged;
 * - a non-idempotent call never runs twice, unless the failure of the run
 *   before proved that it never executed;
 * - the dependency is never called with an already aborted signal, and a
 *   bulkhead bounds how many dependency calls run at once.
 *
 * A second property lets fast-check's scheduler decide the order in which the
 * dependency's answers and the callers' aborts arrive.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  bulkhead,
  circuitBreaker,
  DEFAULT_NOT_EXECUTED_CODES,
  fallback,
  hedge,
  injectFault,
  injectLatency,
  keyed,
  pipeline,
  type Clock,
  type Policy,
  rateLimit,
  retry,
  timeout,
} from '../../src/index.js';
import {
  abortListenerCount,
  arbitraries,
  type Observed,
  observe,
  scripted,
  type ScriptedCall,
  trackedAbortController,
  VirtualClock,
} from '../../src/testing/index.js';

const NUM_RUNS = 500;
const arb = arbitraries(fc);

/** What a random policy is made of; built afresh on each run's clock. */
type PolicySpec = {
  readonly label: string;
  readonly build: (clock: Clock) => Policy;
  /** A retry's `idempotent` default: it makes calls that do not say idempotent. */
  readonly idempotentDefault?: boolean;
  /** A bulkhead's `maxConcurrent` (one pool for all calls). */
  readonly maxConcurrent?: number;
  /** Runs extra attempts at once (hedge): a bulkhead outside it bounds calls, not attempts. */
  readonly multiplies?: boolean;
};

const policySpec: fc.Arbitrary<PolicySpec> = fc.oneof(
  arb.timeoutOptions().map((o) => ({
    label: `timeout(${o.ms}, ${o.strategy})`,
    build: (clock: Clock) => timeout(o.ms, { strategy: o.strategy, clock }),
  })),
  arb.retryOptions().map((o) => ({
    label: `retry(maxAttempts ${o.maxAttempts}, idempotent ${String(o.idempotent)})`,
    build: (clock: Clock) => retry({ ...o, clock }),
    idempotentDefault: o.idempotent,
  })),
  arb.circuitBreakerOptions().map((o) => ({
    label: `circuitBreaker(${JSON.stringify({ ...o, openFor: typeof o.openFor === 'function' ? 'fn' : o.openFor })})`,
    build: (clock: Clock) => circuitBreaker({ ...o, clock }),
  })),
  arb.bulkheadOptions().map((o) => ({
    label: `bulkhead(${JSON.stringify(o)})`,
    build: (clock: Clock) => bulkhead({ ...o, clock }),
    maxConcurrent: o.maxConcurrent,
  })),
  arb.hedgeOptions().map((o) => ({
    label: `hedge(${JSON.stringify(o)})`,
    build: (clock: Clock) => hedge({ ...o, clock }),
    multiplies: true,
  })),
  arb
    .rateLimitOptions()
    .map((o) => ({ label: `rateLimit(${JSON.stringify(o)})`, build: (clock: Clock) => rateLimit({ ...o, clock }) })),
  arb.fallbackOptions().map((o) => ({
    label: `fallback(${o.on === undefined ? 'default' : 'custom on'})`,
    build: () => fallback('fallback', o),
  })),
  fc.tuple(arb.keyedOptions(), arb.bulkheadOptions()).map(([k, b]) => ({
    label: `keyed(${JSON.stringify(k)}, bulkhead ${JSON.stringify(b)})`,
    build: (clock: Clock) => keyed(() => bulkhead({ ...b, clock }), { ...k, clock }),
  })),
  arb.keyedOptions().map((k) => ({
    label: `keyed(${JSON.stringify(k)}, circuitBreaker consecutive 2)`,
    build: (clock: Clock) =>
      keyed(() => circuitBreaker({ window: { kind: 'consecutive', failures: 2 }, openFor: 500, clock }), {
        ...k,
        clock,
      }),
  })),
  arb.injectFaultOptions().map((o) => ({ label: `injectFault(rate ${o.rate})`, build: () => injectFault(o) })),
  arb.injectLatencyOptions().map((o) => ({
    label: `injectLatency(rate ${o.rate}, ${o.ms})`,
    build: (clock: Clock) => injectLatency({ ...o, clock }),
  })),
);

/** Errors a dependency may throw: plain, with a connection code (proves not executed), or `executed: false`. */
const dependencyError = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 999 }).map((n) => new Error(`failed ${n}`)), weight: 3 },
  {
    arbitrary: fc.constantFrom(...DEFAULT_NOT_EXECUTED_CODES).map((code) => Object.assign(new Error(code), { code })),
    weight: 1,
  },
  {
    arbitrary: fc.constant(0).map(() => Object.assign(new Error('rejected before running'), { executed: false })),
    weight: 1,
  },
);

const callSpec = fc.record({
  // Small times collide often (races at one instant); large ones spread calls out.
  startAt: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 2_000 })),
  idempotent: fc.constantFrom(true, false, undefined),
  key: fc.constantFrom('a', 'b', undefined),
  abortAt: fc.option(fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 3_000 })), {
    nil: undefined,
    freq: 2,
  }),
});

const scenario = fc.record({
  policies: fc.array(policySpec, { minLength: 0, maxLength: 5 }),
  schedule: arb.faultSchedule({
    maxLength: 20,
    error: dependencyError,
    latency: fc.option(arb.latency({ max: 3_000 }), { nil: undefined, freq: 3 }),
  }),
  exhausted: fc.constantFrom('repeat' as const, 'cycle' as const),
  calls: fc.array(callSpec, { minLength: 1, maxLength: 8 }),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer S> ? S : never;

function provesNotExecuted(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { executed?: unknown; code?: unknown; cause?: { code?: unknown } };
  if (e.executed === false) return true;
  const codes = DEFAULT_NOT_EXECUTED_CODES as readonly unknown[];
  return codes.includes(e.code) || codes.includes(e.cause?.code);
}

/**
 * The clock handed to the policies: the run's VirtualClock, with the timers
 * the policies hold counted apart from the test's own (call starts, aborts).
 */
class CountingClock implements Clock {
  readonly live = new Set<unknown>();
  constructor(private readonly clock: VirtualClock) {}
  now(): number {
    return this.clock.now();
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const handle: unknown = this.clock.setTimeout(() => {
      this.live.delete(handle);
      fn();
    }, ms);
    this.live.add(handle);
    return handle;
  }
  clearTimeout(handle: unknown): void {
    this.live.delete(handle);
    this.clock.clearTimeout(handle);
  }
}

/** Runs one scenario and returns the broken promises, [] when every invariant holds. */
async function runScenario(s: Scenario, unhandled: unknown[]): Promise<string[]> {
  const clock = new VirtualClock();
  const policyClock = new CountingClock(clock);
  const policy = pipeline(...s.policies.map((p) => p.build(policyClock)));
  const dependency = scripted(s.schedule, { clock, exhausted: s.exhausted });
  const problems: string[] = [];
  let started = 0;
  let settled = 0;
  /** Whenever no call is in flight, the policies must hold no timer and the dependency no call. */
  const checkIdle = (): void => {
    if (settled !== started) return;
    if (policyClock.live.size !== 0)
      problems.push(`no call in flight at ${clock.now()} ms, yet the policies hold ${policyClock.live.size} timers`);
    if (dependency.inFlight !== 0)
      problems.push(`no call in flight at ${clock.now()} ms, yet ${dependency.inFlight} dependency calls run`);
  };
  const calls: {
    controller: AbortController;
    reason: Error;
    observed?: Observed<unknown>;
    pendingAtAbort?: boolean;
  }[] = [];

  s.calls.forEach((c, i) => {
    const controller = trackedAbortController();
    const reason = new Error(`caller ${i} aborted`);
    const call: (typeof calls)[number] = { controller, reason };
    calls.push(call);
    clock.setTimeout(() => {
      started++;
      call.observed = observe(
        policy.execute(dependency, {
          signal: controller.signal,
          idempotent: c.idempotent,
          key: c.key,
          correlationId: `call-${i}`,
        }),
        clock,
      );
      void call.observed.settled.then(() => {
        settled++;
        checkIdle();
      });
    }, c.startAt);
    if (c.abortAt !== undefined) {
      clock.setTimeout(() => {
        call.pendingAtAbort = call.observed?.current.state === 'pending';
        controller.abort(reason);
      }, c.abortAt);
    }
  });
  await clock.runAll();
  // Calls still waiting (a hang with no timeout above it) are cut by their caller.
  for (const call of calls) {
    if (call.observed?.current.state === 'pending' && !call.controller.signal.aborted) {
      call.pendingAtAbort = true;
      call.controller.abort(call.reason);
    }
  }
  await clock.runAll();

  calls.forEach((call, i) => {
    const o = call.observed?.current;
    if (o === undefined) return problems.push(`call ${i} never started`);
    if (o.state === 'pending') return problems.push(`call ${i} never settled`);
    if (o.settlements !== 1) problems.push(`call ${i} settled ${o.settlements} times`);
    if (call.pendingAtAbort === true && (o.state !== 'rejected' || o.error !== call.reason)) {
      problems.push(
        `call ${i} was aborted while pending but ${o.state === 'rejected' ? `rejected with ${String(o.error)}` : `resolved with ${String(o.value)}`}`,
      );
    }
    const listeners = abortListenerCount(call.controller.signal);
    if (listeners.current !== 0)
      problems.push(
        `call ${i} left ${listeners.current} abort listeners (added ${listeners.added}, removed ${listeners.removed})`,
      );
    return undefined;
  });
  if (clock.pending !== 0) problems.push(`${clock.pending} timers left on the clock`);
  for (const record of dependency.calls) {
    if (record.abortedAtStart)
      problems.push(`the dependency was called (attempt ${record.attempt}) with an already aborted signal`);
  }
  // A bulkhead with no hedge inside it bounds how many dependency calls run at once.
  s.policies.forEach((p, i) => {
    if (p.maxConcurrent === undefined || s.policies.slice(i + 1).some((q) => q.multiplies === true)) return;
    if (dependency.maxInFlight > p.maxConcurrent) {
      problems.push(`${dependency.maxInFlight} dependency calls ran at once through ${p.label}`);
    }
  });
  if (dependency.inFlight !== 0) problems.push(`${dependency.inFlight} dependency calls never settled`);

  // A call is non-idempotent when it says so, or says nothing and no retry
  // in the pipeline makes calls idempotent by default.
  const anyIdempotentDefault = s.policies.some((p) => p.idempotentDefault === true);
  const byKey = new Map<string, ScriptedCall<string>[]>();
  for (const record of dependency.calls) {
    const index = Number(record.correlationId?.slice('call-'.length));
    const option = s.calls[index]?.idempotent;
    if (option !== undefined && record.idempotent !== option) {
      problems.push(
        `call ${index} said idempotent: ${String(option)} but its attempt ${record.attempt} saw ${String(record.idempotent)}`,
      );
    }
    const list = byKey.get(record.idempotencyKey) ?? [];
    list.push(record);
    byKey.set(record.idempotencyKey, list);
  }
  for (const [, runs] of byKey) {
    const index = Number(runs[0]?.correlationId?.slice('call-'.length));
    const option = s.calls[index]?.idempotent;
    if (option === true || (option === undefined && anyIdempotentDefault)) continue;
    for (let j = 1; j < runs.length; j++) {
      const run = runs[j] as ScriptedCall<string>;
      const before = runs[j - 1] as ScriptedCall<string>;
      const proved =
        before.end !== undefined &&
        before.end <= run.start &&
        before.outcome !== undefined &&
        !before.outcome.ok &&
        provesNotExecuted(before.outcome.error);
      if (!proved) {
        problems.push(
          `non-idempotent call ${index} ran again (run ${j + 1}, attempt ${run.attempt}) after ${before.outcome === undefined ? 'a run still in flight' : before.outcome.ok ? 'a success' : String(before.outcome.error)}`,
        );
      }
    }
  }
  if (unhandled.length > 0) problems.push(`unhandled rejections: ${unhandled.map(String).join(', ')}`);
  return problems;
}

describe('reliability: random pipelines keep every promise', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  beforeAll(() => {
    process.on('unhandledRejection', onUnhandled);
  });
  afterAll(() => {
    process.off('unhandledRejection', onUnhandled);
  });

  it(`settles every call once, leaves nothing behind, honours aborts and idempotency (${NUM_RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        unhandled.length = 0;
        const problems = await runScenario(s, unhandled);
        if (problems.length > 0) {
          throw new Error(
            `${problems.join('\n')}\npipeline: ${s.policies.map((p) => p.label).join(' → ') || '(empty)'}`,
          );
        }
      }),
      { numRuns: NUM_RUNS },
    );
  }, 120_000);

  it('holds for the recommended pipeline under an outage with aborts', async () => {
    const s: Scenario = {
      policies: [
        { label: 'fallback', build: () => fallback('fallback') },
        {
          label: 'retry',
          build: (clock) => retry({ maxAttempts: 3, idempotent: true, clock }),
          idempotentDefault: true,
        },
        {
          label: 'breaker',
          build: (clock) => circuitBreaker({ window: { kind: 'consecutive', failures: 2 }, openFor: 100, clock }),
        },
        { label: 'bulkhead', build: (clock) => bulkhead({ maxConcurrent: 1, maxQueue: 2, queueTimeout: 50, clock }) },
        { label: 'timeout', build: (clock) => timeout(30, { clock }) },
      ],
      schedule: [
        { kind: 'hang' },
        { kind: 'failure', error: new Error('down'), latency: 5 },
        { kind: 'success', value: 'ok', latency: 10 },
      ],
      exhausted: 'cycle',
      calls: [
        { startAt: 0, idempotent: undefined, key: 'a', abortAt: undefined },
        { startAt: 0, idempotent: false, key: 'a', abortAt: 20 },
        { startAt: 10, idempotent: true, key: undefined, abortAt: 500 },
      ],
    };
    expect(await runScenario(s, unhandled)).toEqual([]);
  });

  it('keeps its promises when the dependency answers in any order (fc.scheduler, 200 runs)', async () => {
    /**
     * Lets scheduled answers, caller aborts and due timers run until none has
     * work left. Promise callbacks drain between steps, so each answer or
     * abort arrives on its own turn, as events do on a real event loop.
     */
    const settleAll = async (s: fc.Scheduler, clock: VirtualClock): Promise<void> => {
      for (;;) {
        await clock.advance(0);
        if (s.count() > 0) await s.waitOne();
        else if (clock.pending > 0) await clock.runAll();
        else break;
      }
    };
    const race = fc.record({
      policies: fc.array(policySpec, { minLength: 1, maxLength: 4 }),
      calls: fc.array(
        fc.record({ ok: fc.boolean(), idempotent: fc.constantFrom(true, false, undefined), abort: fc.boolean() }),
        {
          minLength: 1,
          maxLength: 6,
        },
      ),
    });
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), race, async (scheduler, { policies, calls }) => {
        unhandled.length = 0;
        const clock = new VirtualClock();
        const policyClock = new CountingClock(clock);
        const policy = pipeline(...policies.map((p) => p.build(policyClock)));
        // The scheduler decides when each answer arrives, and shrinks that order on failure.
        // It resolves with ok or not (a rejected promise inside the scheduler would be reported as
        // unhandled by the scheduler itself); the dependency below turns `false` into an error.
        const answer = scheduler.scheduleFunction(async (ok: boolean) => ok);
        const runs = new Map<string, number>();
        const anyIdempotentDefault = policies.some((p) => p.idempotentDefault === true);
        const problems: string[] = [];
        const started = calls.map((c, i) => {
          const controller = trackedAbortController();
          const reason = new Error(`caller ${i} aborted`);
          let key = '';
          const observed = observe(
            policy.execute(
              (ctx) => {
                key = ctx.idempotencyKey;
                runs.set(key, (runs.get(key) ?? 0) + 1);
                // Like fetch: an abort rejects at once with the reason; else the answer, when the scheduler sends it.
                const signal = ctx.signal;
                if (signal.aborted) return Promise.reject(signal.reason);
                return new Promise<string>((resolve, reject) => {
                  const onAbort = (): void => reject(signal.reason);
                  signal.addEventListener('abort', onAbort, { once: true });
                  void answer(c.ok).then((ok) => {
                    signal.removeEventListener('abort', onAbort);
                    if (ok) resolve('ok');
                    else reject(new Error('failed'));
                  });
                });
              },
              { signal: controller.signal, idempotent: c.idempotent },
            ),
            clock,
          );
          const entry = {
            controller,
            reason,
            observed,
            pendingAtAbort: false,
            key: () => key,
            idempotent: c.idempotent,
          };
          if (c.abort) {
            void scheduler.schedule(Promise.resolve(), `abort ${i}`).then(() => {
              entry.pendingAtAbort = observed.current.state === 'pending';
              controller.abort(reason);
            });
          }
          return entry;
        });
        await settleAll(scheduler, clock);

        started.forEach((call, i) => {
          const o = call.observed.current;
          if (o.state === 'pending') return problems.push(`call ${i} never settled`);
          if (o.settlements !== 1) problems.push(`call ${i} settled ${o.settlements} times`);
          if (call.pendingAtAbort && (o.state !== 'rejected' || o.error !== call.reason)) {
            problems.push(
              `call ${i} was aborted while pending but ${o.state === 'rejected' ? `rejected with ${String(o.error)}` : `resolved with ${String(o.value)}`}`,
            );
          }
          const listeners = abortListenerCount(call.controller.signal).current;
          if (listeners !== 0) problems.push(`call ${i} left ${listeners} abort listeners`);
          const nonIdempotent = call.idempotent === false || (call.idempotent === undefined && !anyIdempotentDefault);
          const count = runs.get(call.key()) ?? 0;
          if (nonIdempotent && count > 1) problems.push(`non-idempotent call ${i} ran ${count} times`);
          return undefined;
        });
        if (clock.pending !== 0) problems.push(`${clock.pending} timers left on the clock`);
        if (unhandled.length > 0) problems.push(`unhandled rejections: ${unhandled.map(String).join(', ')}`);
        if (problems.length > 0) {
          throw new Error(
            `${problems.join('\n')}\npipeline: ${policies.map((p) => p.label).join(' → ')}\n${scheduler.report().length} scheduled tasks`,
          );
        }
      }),
      { numRuns: 200 },
    );
  }, 120_000);
});
