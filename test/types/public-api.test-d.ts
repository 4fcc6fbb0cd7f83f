import { describe, expectTypeOf, it } from 'vitest';
import fc from 'fast-check';
import {
  adaptiveBulkhead,
  type AdaptiveBulkheadEvents,
  type LimitAlgorithm,
  bulkhead,
  type BulkheadOptions,
  type BulkheadRejectReason,
  circuitBreaker,
  type CircuitBreakerOptions,
  type CircuitState,
  type Clock,
  type Context,
  type EventBase,
  type ExecuteOptions,
  fallback,
  type FallbackPolicy,
  hedge,
  type HedgeOptions,
  injectFault,
  injectLatency,
  keyed,
  type KeyedPolicy,
  type Outcome,
  pipeline,
  type Pipeline,
  type Policy,
  rateLimit,
  type RateLimitOptions,
  retry,
  type RetryBlockedReason,
  type RetryBudget,
  retryBudget,
  type RetryOptions,
  type StateChangeReason,
  timeout,
  type TimeoutOptions,
  type TimeoutStrategy,
} from '../../src/index.js';
import {
  arbitraries,
  type Arbitrary,
  type Observation,
  observe,
  respond,
  scripted,
  scriptedFetch,
  type ScriptedCall,
  type ScriptedFunction,
  type ScriptStep,
  succeed,
  VirtualClock,
} from '../../src/testing/index.js';

describe('execute return types', () => {
  it('resolves with the awaited value of the function, for every policy', () => {
    expectTypeOf(timeout(10).execute(() => 1)).toEqualTypeOf<Promise<number>>();
    expectTypeOf(timeout(10).execute(async () => 'a')).toEqualTypeOf<Promise<string>>();
    expectTypeOf(retry().execute(() => Promise.resolve({ id: 1 }))).toEqualTypeOf<Promise<{ id: number }>>();
    expectTypeOf(circuitBreaker().execute(() => true)).toEqualTypeOf<Promise<boolean>>();
    expectTypeOf(bulkhead({ maxConcurrent: 1 }).execute(async () => [1])).toEqualTypeOf<Promise<number[]>>();
    expectTypeOf(adaptiveBulkhead().execute(async () => [1])).toEqualTypeOf<Promise<number[]>>();
    expectTypeOf(keyed(() => adaptiveBulkhead()).get('k').limit).toEqualTypeOf<number>();
    expectTypeOf(hedge({ delay: 1 }).execute(() => null)).toEqualTypeOf<Promise<null>>();
    expectTypeOf(rateLimit({ limit: 1, perMs: 1 }).execute(() => 1n)).toEqualTypeOf<Promise<bigint>>();
    expectTypeOf(keyed(() => bulkhead({ maxConcurrent: 1 })).execute(() => 'k')).toEqualTypeOf<Promise<string>>();
    expectTypeOf(injectFault({ rate: 0, error: new Error() }).execute(() => 2)).toEqualTypeOf<Promise<number>>();
    expectTypeOf(injectLatency({ rate: 0, ms: 1 }).execute(() => 2)).toEqualTypeOf<Promise<number>>();
  });

  it('flattens nested promises and thenables', () => {
    expectTypeOf(timeout(10).execute(async () => Promise.resolve(1))).toEqualTypeOf<Promise<number>>();
    expectTypeOf(timeout(10).execute((): PromiseLike<string> => Promise.resolve('x'))).toEqualTypeOf<Promise<string>>();
  });

  it('passes the same types through a pipeline, nested or empty', () => {
    const p = pipeline(retry(), circuitBreaker(), bulkhead({ maxConcurrent: 2 }), timeout(100));
    expectTypeOf(p).toEqualTypeOf<Pipeline>();
    expectTypeOf(p.execute(async () => ({ ok: 1 }))).toEqualTypeOf<Promise<{ ok: number }>>();
    expectTypeOf(pipeline().execute(() => 'bare')).toEqualTypeOf<Promise<string>>();
    expectTypeOf(pipeline(p, timeout(5)).execute(() => 3)).toEqualTypeOf<Promise<number>>();
    expectTypeOf(p.policies).toEqualTypeOf<readonly Policy[]>();
  });

  it('widens with the fallback value when fallback is used on its own', () => {
    expectTypeOf(fallback(0).execute(() => 'a')).toEqualTypeOf<Promise<string | number>>();
    expectTypeOf(fallback(async () => null).execute(async () => 1)).toEqualTypeOf<Promise<number | null>>();
    expectTypeOf(fallback([] as string[])).toEqualTypeOf<FallbackPolicy<string[]>>();
  });

  it('a pipeline widens execute by the value of a fallback inside, also through nesting', () => {
    expectTypeOf(pipeline(fallback(0), timeout(10)).execute(() => 'a')).toEqualTypeOf<Promise<string | number>>();
    expectTypeOf(pipeline(timeout(10), pipeline(fallback(null))).execute(async () => 'a')).toEqualTypeOf<
      Promise<string | null>
    >();
    expectTypeOf(pipeline(timeout(10)).execute(() => 1)).toEqualTypeOf<Promise<number>>();
    expectTypeOf(pipeline().execute(() => true)).toEqualTypeOf<Promise<boolean>>();
    const asPolicy: Policy = pipeline(fallback('x'));
    expectTypeOf(asPolicy.execute(() => 1)).toEqualTypeOf<Promise<number>>();
  });

  it('gives the function a Context and takes ExecuteOptions', () => {
    timeout(1).execute(
      (ctx) => {
        expectTypeOf(ctx).toEqualTypeOf<Context>();
        expectTypeOf(ctx.signal).toEqualTypeOf<AbortSignal>();
        expectTypeOf(ctx.attempt).toEqualTypeOf<number>();
        expectTypeOf(ctx.idempotent).toEqualTypeOf<boolean>();
        expectTypeOf(ctx.idempotencyKey).toEqualTypeOf<string>();
        expectTypeOf(ctx.key).toEqualTypeOf<string | undefined>();
        expectTypeOf(ctx.correlationId).toEqualTypeOf<string | undefined>();
        expectTypeOf(ctx.deadline).toEqualTypeOf<number | undefined>();
        return 0;
      },
      { signal: new AbortController().signal, idempotent: true, key: 'k', correlationId: 'c' },
    );
    expectTypeOf<ExecuteOptions['signal']>().toEqualTypeOf<AbortSignal | undefined>();
    // @ts-expect-error execute needs a function
    void timeout(1).execute(1);
    // @ts-expect-error idempotent is a boolean
    void timeout(1).execute(() => 1, { idempotent: 'yes' });
  });
});

describe('event payload types', () => {
  it('carries the common fields on every payload', () => {
    timeout(1).on('timeout', (e) => {
      expectTypeOf(e.ms).toEqualTypeOf<number>();
      expectTypeOf(e).toExtend<EventBase>();
      expectTypeOf(e.policy).toEqualTypeOf<string>();
      expectTypeOf(e.key).toEqualTypeOf<string | undefined>();
      expectTypeOf(e.correlationId).toEqualTypeOf<string | undefined>();
      expectTypeOf(e.at).toEqualTypeOf<number>();
    });
  });

  it('types each policy’s events', () => {
    const r = retry();
    r.on('attempt', (e) => {
      expectTypeOf(e.attempt).toEqualTypeOf<number>();
      expectTypeOf(e.durationMs).toEqualTypeOf<number>();
      expectTypeOf(e.outcome).toEqualTypeOf<Outcome>();
    });
    r.on('retry', (e) => expectTypeOf(e.delay).toEqualTypeOf<number>());
    r.on('giveUp', (e) => expectTypeOf(e.attempts).toEqualTypeOf<number>());
    r.on('retryBlocked', (e) => expectTypeOf(e.reason).toEqualTypeOf<RetryBlockedReason>());
    const b = circuitBreaker();
    b.on('stateChange', (e) => {
      expectTypeOf(e.from).toEqualTypeOf<CircuitState>();
      expectTypeOf(e.to).toEqualTypeOf<CircuitState>();
      expectTypeOf(e.reason).toEqualTypeOf<StateChangeReason>();
    });
    b.on('failure', (e) => expectTypeOf(e.error).toEqualTypeOf<unknown>());
    b.on('rejected', (e) => expectTypeOf(e.state).toEqualTypeOf<'open' | 'halfOpen' | 'isolated'>());
    expectTypeOf(b.isolate()[Symbol.dispose]).toEqualTypeOf<() => void>();
    bulkhead({ maxConcurrent: 1 }).on('rejected', (e) => expectTypeOf(e.reason).toEqualTypeOf<BulkheadRejectReason>());
    rateLimit({ limit: 1, perMs: 1 }).on('rejected', (e) => expectTypeOf(e.retryAfter).toEqualTypeOf<number>());
    hedge({ delay: 1 }).on('hedge', (e) => expectTypeOf(e.attempt).toEqualTypeOf<number>());
    fallback(0).on('fallback', (e) => expectTypeOf(e.outcome).toEqualTypeOf<Outcome>());
    injectLatency({ rate: 1, ms: 1 }).on('latency', (e) => expectTypeOf(e.ms).toEqualTypeOf<number>());
    const k = keyed(() => circuitBreaker());
    expectTypeOf(k).toEqualTypeOf<KeyedPolicy<ReturnType<typeof circuitBreaker>>>();
    expectTypeOf(k.get('a').state).toEqualTypeOf<CircuitState>();
  });

  it('refuses unknown event names', () => {
    // @ts-expect-error timeout has no 'retry' event
    timeout(1).on('retry', () => {});
  });
});

describe('option types', () => {
  it('accepts the documented options and refuses wrong ones', () => {
    expectTypeOf<TimeoutOptions['strategy']>().toEqualTypeOf<TimeoutStrategy | undefined>();
    expectTypeOf<TimeoutStrategy>().toEqualTypeOf<'aggressive' | 'cooperative'>();
    expectTypeOf<RetryOptions['retryOn']>().toEqualTypeOf<((outcome: Outcome) => boolean) | undefined>();
    expectTypeOf<RetryOptions['budget']>().toEqualTypeOf<RetryBudget | undefined>();
    expectTypeOf(retryBudget()).toExtend<RetryBudget>();
    expectTypeOf<BulkheadOptions['maxConcurrent']>().toEqualTypeOf<number>();
    expectTypeOf<HedgeOptions['delay']>().toEqualTypeOf<number>();
    expectTypeOf<RateLimitOptions['burst']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<CircuitBreakerOptions['openFor']>().toEqualTypeOf<number | ((opens: number) => number) | undefined>();
    expectTypeOf<CircuitBreakerOptions['clock']>().toEqualTypeOf<Clock | undefined>();
    expectTypeOf(new VirtualClock()).toExtend<Clock>();
    circuitBreaker({ window: { kind: 'count', size: 10 }, slowCall: { ms: 100, rate: 0.5 } });
    // @ts-expect-error a consecutive window counts failures, not size
    circuitBreaker({ window: { kind: 'consecutive', size: 3 } });
    // @ts-expect-error bulkhead needs maxConcurrent
    bulkhead({});
    // @ts-expect-error strategy is one of two names
    timeout(1, { strategy: 'eager' });
    // @ts-expect-error rateLimit needs perMs
    rateLimit({ limit: 1 });
  });
});

describe('breakwater/testing types', () => {
  it('types scripted dependencies by their step values', () => {
    const clock = new VirtualClock();
    const f = scripted([succeed('a'), succeed('b', 5)], { clock });
    expectTypeOf(f).toEqualTypeOf<ScriptedFunction<string>>();
    expectTypeOf(f.calls).toEqualTypeOf<readonly ScriptedCall<string>[]>();
    expectTypeOf(timeout(1).execute(f)).toEqualTypeOf<Promise<string>>();
    expectTypeOf(succeed(1)).toEqualTypeOf<ScriptStep<number>>();
    expectTypeOf(observe(Promise.resolve(1)).current).toEqualTypeOf<Observation<number>>();
  });

  it('types the arbitraries by the fast-check module passed in', () => {
    const arb = arbitraries(fc);
    expectTypeOf(arb.circuitBreakerOptions()).toEqualTypeOf<Arbitrary<CircuitBreakerOptions>>();
    expectTypeOf(arb.faultSchedule({ value: fc.integer() })).toEqualTypeOf<Arbitrary<ScriptStep<number>[]>>();
    expectTypeOf(arb.outcome()).toEqualTypeOf<Arbitrary<Outcome>>();
    expectTypeOf(arb.retryOptions()).toExtend<fc.Arbitrary<RetryOptions>>();
  });
});

describe('scriptedFetch', () => {
  it('is shaped like fetch', () => {
    const fake = scriptedFetch([respond(200)], { clock: new VirtualClock() });
    expectTypeOf(fake).toMatchTypeOf<(input: string | URL | Request, init?: RequestInit) => Promise<Response>>();
  });
});

describe('adaptiveBulkhead types', () => {
  it('takes an algorithm by name, with settings, or as a LimitAlgorithm, and types its events', () => {
    const own: LimitAlgorithm = { update: (window, limit) => (window.didDrop ? limit - 1 : limit) };
    adaptiveBulkhead({ algorithm: own });
    adaptiveBulkhead({ algorithm: { kind: 'aimd', backoffRatio: 0.8 } });
    adaptiveBulkhead({ algorithm: 'vegas', random: () => 0.5 });
    // @ts-expect-error an unknown algorithm name
    adaptiveBulkhead({ algorithm: 'cubic' });
    // @ts-expect-error AIMD has no smoothing
    adaptiveBulkhead({ algorithm: { kind: 'aimd', smoothing: 1 } });
    expectTypeOf<AdaptiveBulkheadEvents['limitChanged']>().toEqualTypeOf<{
      readonly from: number;
      readonly to: number;
    }>();
    adaptiveBulkhead().on('limitChanged', (e) => expectTypeOf(e.to).toEqualTypeOf<number>());
  });
});
