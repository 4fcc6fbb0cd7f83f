// Code written the way cockatiel's README and @types/opossum's users write it,
// with only the import changed: it must compile against the shims unchanged.
import { describe, expectTypeOf, it } from 'vitest';
import {
  BrokenCircuitError,
  bulkhead,
  circuitBreaker,
  ConsecutiveBreaker,
  CountBreaker,
  DelegateBackoff,
  Event,
  ExponentialBackoff,
  fallback,
  handleAll,
  handleType,
  handleWhenResult,
  type IDisposable,
  type IPolicy,
  isBrokenCircuitError,
  IterableBackoff,
  noop,
  retry,
  SamplingBreaker,
  timeout,
  TimeoutStrategy,
  usePolicy,
  wrap,
  type IRetryContext,
  CircuitState,
} from '../../src/compat/cockatiel/index.js';
import CircuitBreaker from '../../src/compat/opossum/index.js';

class DatabaseError extends Error {}
declare const database: { getInfo(signal?: AbortSignal): Promise<{ id: number }> };

describe('cockatiel README usage', () => {
  it('retry, breaker, wrap', async () => {
    const retryPolicy = retry(handleAll, { maxAttempts: 3, backoff: new ExponentialBackoff() });
    const circuitBreakerPolicy = circuitBreaker(handleAll, {
      halfOpenAfter: 10 * 1000,
      breaker: new ConsecutiveBreaker(5),
    });
    const retryWithBreaker = wrap(retryPolicy, circuitBreakerPolicy);
    const data = await retryWithBreaker.execute(() => database.getInfo());
    expectTypeOf(data).toEqualTypeOf<{ id: number }>();
    const withContext = await retryPolicy.execute(({ signal, attempt }) => {
      expectTypeOf(attempt).toEqualTypeOf<number>();
      return database.getInfo(signal);
    });
    expectTypeOf(withContext).toEqualTypeOf<{ id: number }>();
  });

  it('timeouts, fallbacks, bulkheads, result filters, breakers, backoffs', async () => {
    const t = timeout(2000, TimeoutStrategy.Cooperative);
    await t.execute(({ signal }) => database.getInfo(signal));
    timeout(2000, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false });
    const fb = fallback(handleType(DatabaseError), () => null);
    expectTypeOf(await fb.execute(() => database.getInfo())).toEqualTypeOf<{ id: number } | null>();
    const pool = bulkhead(10, 20);
    expectTypeOf(pool.executionSlots).toEqualTypeOf<number>();
    pool.onReject(() => undefined);
    retry(
      handleWhenResult((res) => (res as { statusCode: number }).statusCode === 503),
      { maxAttempts: 2 },
    );
    circuitBreaker(handleAll, {
      halfOpenAfter: 1000,
      breaker: new SamplingBreaker({ threshold: 0.2, duration: 30 * 1000 }),
    });
    circuitBreaker(handleAll, {
      halfOpenAfter: new ExponentialBackoff(),
      breaker: new CountBreaker({ threshold: 0.2, size: 100 }),
    });
    retry(handleAll, { backoff: new IterableBackoff([100, 200]) });
    retry(handleAll, { backoff: new DelegateBackoff((context: IRetryContext) => context.attempt * 100) });
    await noop.execute(() => 1);
  });

  it('events are functions returning disposables; errors have guards', async () => {
    const breaker = circuitBreaker(handleAll, { halfOpenAfter: 1000, breaker: new ConsecutiveBreaker(1) });
    const listener: IDisposable = breaker.onBreak(() => undefined);
    listener.dispose();
    breaker.onStateChange((state) => expectTypeOf(state).toEqualTypeOf<CircuitState>());
    await Event.toPromise(breaker.onReset);
    const error: unknown = new BrokenCircuitError();
    if (isBrokenCircuitError(error)) expectTypeOf(error).toEqualTypeOf<BrokenCircuitError>();
    const policy: IPolicy = breaker;
    expectTypeOf(policy.execute).toBeFunction();
    class Service {
      @usePolicy(retry(handleAll, { maxAttempts: 1 }))
      get(id: string): Promise<string> {
        return Promise.resolve(id);
      }
    }
    expectTypeOf(new Service().get).toBeFunction();
  });
});

describe('@types/opossum usage', () => {
  it('options, fire, fallback, events, getters, toJSON', async () => {
    const options: CircuitBreaker.Options = {
      timeout: 3000,
      errorThresholdPercentage: 50,
      resetTimeout: 30000,
      errorFilter: (err) => err.statusCode === 404,
    };
    const asyncFunctionThatCouldFail = (x: number, y: string): Promise<string> => Promise.resolve(y.repeat(x));
    const breaker = new CircuitBreaker(asyncFunctionThatCouldFail, options);
    expectTypeOf(await breaker.fire(2, 'a')).toEqualTypeOf<string>();
    breaker.fallback(() => 'Sorry, out of service right now');
    breaker.fallback(new CircuitBreaker(async () => 'other'));
    breaker.on('fallback', (result) => console.log(result));
    breaker.on('success', (result, latencyMs) => console.log(result, latencyMs));
    breaker.on('failure', (err, latencyMs, args) => console.log(err, latencyMs, args));
    expectTypeOf(breaker.opened).toEqualTypeOf<boolean>();
    const stats: CircuitBreaker.Stats = breaker.stats;
    expectTypeOf(stats.latencyMean).toEqualTypeOf<number>();
    const state = breaker.toJSON().state;
    const restored = new CircuitBreaker(asyncFunctionThatCouldFail, { ...options, state });
    restored.healthCheck(() => Promise.resolve(), 5000);
    const status: CircuitBreaker.Status = restored.status;
    status.on('snapshot', (snapshot: CircuitBreaker.Stats) => console.log(snapshot.fires));
    expectTypeOf(CircuitBreaker.isOurError(new Error())).toEqualTypeOf<boolean>();
    restored.shutdown();
  });
});
