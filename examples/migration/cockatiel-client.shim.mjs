// A small stock client written against cockatiel 4. cockatiel-client.shim.mjs is
// this file with only the import changed.
import {
  ConsecutiveBreaker,
  ConstantBackoff,
  TimeoutStrategy,
  circuitBreaker,
  fallback,
  handleAll,
  isBrokenCircuitError,
  retry,
  timeout,
  wrap,
} from 'breakwater/compat/cockatiel';

export function stockClient(lookup) {
  const events = [];
  const retryPolicy = retry(handleAll, { maxAttempts: 2, backoff: new ConstantBackoff(5) });
  const breaker = circuitBreaker(handleAll, { halfOpenAfter: 300, breaker: new ConsecutiveBreaker(3) });
  const perAttempt = timeout(100, TimeoutStrategy.Aggressive);
  const unknownStock = fallback(handleAll, { stock: null });
  retryPolicy.onRetry(({ attempt }) => events.push(`retry ${attempt}`));
  retryPolicy.onGiveUp(() => events.push('give up'));
  breaker.onBreak(() => events.push('break'));
  breaker.onHalfOpen(() => events.push('half-open'));
  breaker.onReset(() => events.push('reset'));
  perAttempt.onTimeout(() => events.push('timeout'));
  const policy = wrap(unknownStock, retryPolicy, breaker, perAttempt);
  return {
    events,
    stock: (sku) => policy.execute(() => lookup(sku)),
    strict: (sku) =>
      wrap(breaker, perAttempt)
        .execute(() => lookup(sku))
        .catch((error) => (isBrokenCircuitError(error) ? 'circuit open' : `error: ${error.message}`)),
  };
}
