// retry: success on the first attempt against the peers, and the four-policy
// pipeline retry → circuitBreaker → bulkhead → timeout against cockatiel's wrap
// of the same four and p-retry around opossum (timeout and capacity).
import {
  bulkhead as cockatielBulkhead,
  circuitBreaker as cockatielBreaker,
  ConsecutiveBreaker,
  handleAll,
  retry as cockatielRetry,
  timeout as cockatielTimeout,
  TimeoutStrategy,
  wrap,
} from 'cockatiel';
import CircuitBreaker from 'opossum';
import pRetry from 'p-retry';

const fn = async () => 1;

export function register({ lib, compare }) {
  const bwDefault = lib.retry();
  const bwIdempotent = lib.retry({ idempotent: true, budget: lib.retryBudget() });
  const ck = cockatielRetry(handleAll, { maxAttempts: 3 });

  compare('retry: success on the first attempt', [
    ['floor: await fn()', async () => await fn()],
    ['cockatiel retry (maxAttempts 3)', () => ck.execute(fn), { baseline: true }],
    ['p-retry (retries 2)', () => pRetry(fn, { retries: 2 })],
    ['breakwater retry()', () => bwDefault.execute(fn)],
    ['breakwater retry (idempotent, with budget)', () => bwIdempotent.execute(fn)],
  ]);

  const bwPipeline = lib.pipeline(
    lib.retry(),
    lib.circuitBreaker(),
    lib.bulkhead({ maxConcurrent: 10, maxQueue: 10 }),
    lib.timeout(5_000),
  );
  const ckWrap = wrap(
    cockatielRetry(handleAll, { maxAttempts: 3 }),
    cockatielBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) }),
    cockatielBulkhead(10, 10),
    cockatielTimeout(5_000, TimeoutStrategy.Cooperative),
  );
  const opossum = new CircuitBreaker(fn, { timeout: 5_000, capacity: 10 });
  const opossumFire = () => opossum.fire();

  compare('retry → circuitBreaker → bulkhead → timeout: success path', [
    ['floor: await fn()', async () => await fn()],
    ['cockatiel wrap(retry, breaker, bulkhead, timeout)', () => ckWrap.execute(fn), { baseline: true }],
    ['p-retry around opossum (timeout, capacity)', () => pRetry(opossumFire, { retries: 2 })],
    ['breakwater pipeline', () => bwPipeline.execute(fn)],
  ]);
}
