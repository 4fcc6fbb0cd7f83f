// The checks that run inside a browser page and an edge runtime, bundled for the browser with
// esbuild from the shipped entries. Each returns a plain JSON record that the Node side asserts on.
import {
  bulkhead,
  circuitBreaker,
  hedge,
  isBrokenCircuitError,
  isTimeoutError,
  pipeline,
  retry,
  timeout,
} from 'breakwater';
import { resilientFetch } from 'breakwater/fetch';
import { VirtualClock } from 'breakwater/testing';

export interface PortableResult {
  pipelineValue: unknown;
  attempts: number;
  hedgeWinner: unknown;
  timedOut: boolean;
  breakerState: string;
  openRejected: boolean;
  callerAbort: unknown;
  pendingTimers: number;
  fetchStatus: number;
  fetchBody: unknown;
  fetchAttempts: number;
}

export async function runChecks(baseUrl: string): Promise<PortableResult> {
  const clock = new VirtualClock();

  // retry → breaker → bulkhead → timeout, on the virtual clock: two failures, then a value.
  const breaker = circuitBreaker({ window: { kind: 'consecutive', failures: 5 }, clock });
  const policy = pipeline(
    retry({ maxAttempts: 3, idempotent: true, clock, random: () => 0.5 }),
    breaker,
    bulkhead({ maxConcurrent: 2, maxQueue: 2, clock }),
    timeout(1_000, { clock }),
  );
  let attempts = 0;
  const call = policy.execute(async ({ signal }) => {
    attempts++;
    if (!(signal instanceof AbortSignal)) throw new Error('no AbortSignal in the context');
    if (attempts < 3) throw new Error(`flaky ${attempts}`);
    return 'value';
  });
  await clock.runAll();
  const pipelineValue = await call;

  // hedge: the first attempt hangs, the hedge answers.
  const hedged = hedge({ delay: 50, clock });
  let started = 0;
  const hedgeCall = hedged.execute(
    ({ signal }) => {
      started++;
      const mine = started;
      if (mine === 1)
        return new Promise<string>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
      return Promise.resolve(`hedge ${mine}`);
    },
    { idempotent: true },
  );
  await clock.advance(50);
  const hedgeWinner = await hedgeCall;

  // timeout fires on the virtual clock.
  const slow = timeout(100, { clock }).execute(() => new Promise<never>(() => undefined));
  const slowResult = slow.then(
    () => false,
    (e: unknown) => isTimeoutError(e),
  );
  await clock.advance(100);
  const timedOut = await slowResult;

  // an open breaker rejects at once.
  const b = circuitBreaker({ window: { kind: 'consecutive', failures: 1 }, clock });
  await b.execute(() => Promise.reject(new Error('down'))).catch(() => undefined);
  const openRejected = await b
    .execute(() => 'never')
    .then(
      () => false,
      (e: unknown) => isBrokenCircuitError(e),
    );

  // a caller abort rejects with signal.reason, unchanged.
  const controller = new AbortController();
  const aborted = timeout(1_000, { clock })
    .execute(() => new Promise<never>(() => undefined), { signal: controller.signal })
    .catch((e: unknown) => e);
  controller.abort('caller gave up');
  const callerAbort = await aborted;

  // breakwater/fetch against the test's server: a 503, then a 200.
  const fetchPolicy = pipeline(retry({ maxAttempts: 3, backoff: () => 0 }), timeout(5_000));
  const wrapped = resilientFetch(fetchPolicy);
  const res = await wrapped(`${baseUrl}/flaky`);
  const fetchBody: unknown = await res.json();
  const counter = await fetch(`${baseUrl}/count`);
  const fetchAttempts = Number(await counter.text());

  return {
    pipelineValue,
    attempts,
    hedgeWinner,
    timedOut,
    breakerState: b.state,
    openRejected,
    callerAbort,
    pendingTimers: clock.pending,
    fetchStatus: res.status,
    fetchBody,
    fetchAttempts,
  };
}
