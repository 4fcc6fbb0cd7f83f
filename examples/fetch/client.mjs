// How a service wraps fetch with breakwater: this is the part to copy.
import { bulkhead, circuitBreaker, exponential, isBrokenCircuitError, pipeline, retry, timeout } from 'breakwater';
import { resilientFetch } from 'breakwater/fetch';

export function createClient() {
  // Retry transient failures, but not a call the open breaker refused: failing fast is its point.
  const retries = retry({
    maxAttempts: 3,
    backoff: exponential({ initial: 20, max: 200 }),
    retryOn: (outcome) => !outcome.ok && !isBrokenCircuitError(outcome.error),
  });
  // Opens when half of the calls of the last 2 s failed (at least 20 calls seen), for 500 ms;
  // then one probe decides. A short 503 burst does not trip it; an outage does.
  const breaker = circuitBreaker({
    window: { kind: 'time', ms: 2_000, buckets: 10 },
    failureRate: 0.5,
    minimumCalls: 20,
    openFor: 500,
  });
  // At most 16 requests in flight to this service, 32 more may wait for a place.
  const pool = bulkhead({ maxConcurrent: 16, maxQueue: 32 });
  // Each attempt gets 150 ms; the fetch is aborted at the deadline (ctx.signal).
  const perAttempt = timeout(150);

  const policy = pipeline(retries, breaker, pool, perAttempt);
  // maxRetryAfter: the server asks for 1 s; we cap it at 400 ms to keep the example quick.
  // In production keep the default (60 s) or a cap that fits your latency budget.
  const http = resilientFetch(policy, { maxRetryAfter: 400 });
  return { http, retries, breaker, pool, perAttempt };
}
