import { describe, expectTypeOf, it } from 'vitest';
import {
  type BreakerSnapshot,
  circuitBreaker,
  type CircuitBreakerPolicy,
  type CircuitBreakerStats,
  type CircuitState,
  type IsolationHandle,
  type Outcome,
  type StateChangeReason,
} from '../../src/index.js';

describe('circuitBreaker types', () => {
  it('execute resolves with the function value, awaited', () => {
    const breaker = circuitBreaker();
    expectTypeOf(breaker).toEqualTypeOf<CircuitBreakerPolicy>();
    expectTypeOf(breaker.execute(async () => 1)).toEqualTypeOf<Promise<number>>();
    expectTypeOf(breaker.execute(() => 'x')).toEqualTypeOf<Promise<string>>();
  });

  it('exposes state, stats, snapshot and isolation handles', () => {
    const breaker = circuitBreaker({ window: { kind: 'count', size: 10 } });
    expectTypeOf(breaker.state).toEqualTypeOf<CircuitState>();
    expectTypeOf(breaker.stats).toEqualTypeOf<CircuitBreakerStats>();
    expectTypeOf(breaker.snapshot()).toEqualTypeOf<BreakerSnapshot>();
    expectTypeOf(breaker.isolate()).toEqualTypeOf<IsolationHandle>();
    expectTypeOf<CircuitState>().toEqualTypeOf<'closed' | 'open' | 'halfOpen' | 'isolated'>();
  });

  it('types every event payload', () => {
    const breaker = circuitBreaker();
    breaker.on('stateChange', (e) => {
      expectTypeOf(e.from).toEqualTypeOf<CircuitState>();
      expectTypeOf(e.reason).toEqualTypeOf<StateChangeReason>();
      expectTypeOf(e.at).toEqualTypeOf<number>();
      expectTypeOf(e.key).toEqualTypeOf<string | undefined>();
    });
    breaker.on('failure', (e) => {
      expectTypeOf(e.error).toEqualTypeOf<unknown>();
      expectTypeOf(e.durationMs).toEqualTypeOf<number>();
    });
    breaker.on('rejected', (e) => expectTypeOf(e.state).toEqualTypeOf<'open' | 'halfOpen' | 'isolated'>());
  });

  it('takes failOn over outcomes and openFor as a number or a function', () => {
    circuitBreaker({ failOn: (o) => (expectTypeOf(o).toEqualTypeOf<Outcome>(), !o.ok), openFor: (n) => n * 1_000 });
    // @ts-expect-error: a window needs a kind
    circuitBreaker({ window: { size: 10 } });
    // @ts-expect-error: the consecutive window takes failures, not size
    circuitBreaker({ window: { kind: 'consecutive', size: 10 } });
  });
});
