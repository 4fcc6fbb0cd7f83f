// One pipeline holding every policy kind of this branch, and a run through it that makes every
// event-fed instrument of the metrics table record at least once. Shared by the OTel and
// Prometheus tests, which check the same table against two backends.
import {
  bulkhead,
  circuitBreaker,
  fallback,
  hedge,
  injectFault,
  injectLatency,
  keyed,
  pipeline,
  rateLimit,
  isRateLimitedError,
  retry,
  retryBudget,
  timeout,
} from '../../src/index.js';
import { EVENTS, INSTRUMENT_IDS, INSTRUMENTS, type InstrumentId } from '../../src/metrics-spec/index.js';
import { VirtualClock } from '../../src/testing/index.js';
import { deferred, flush } from './async.js';

/** Instruments whose source exists on this branch (the shared store lands with breakwater/redis). */
export const PRESENT: readonly InstrumentId[] = INSTRUMENT_IDS.filter((id) => id !== 'storeDegraded');

/** The attribute keys every series carries (OpenTelemetry spelling). */
export const BASE_ATTRIBUTES = ['breakwater.policy.name', 'breakwater.policy.kind'];

export function everyKind(clock = new VirtualClock()) {
  const budget = retryBudget({ ratio: 0, minPerSecond: 0, clock });
  const policies = {
    fallback: fallback('fallback value', { on: (o) => !o.ok && isRateLimitedError(o.error) }),
    retry: retry({ name: 'retry', maxAttempts: 3, budget, idempotent: true, clock }),
    hedge: hedge({ name: 'hedge', delay: 60_000, clock }),
    breaker: circuitBreaker({ name: 'breaker', window: { kind: 'consecutive', failures: 1 }, openFor: 1_000, clock }),
    rateLimit: rateLimit({ name: 'limit', limit: 10, perMs: 60_000, clock }),
    keyed: keyed(() => bulkhead({ name: 'pool', maxConcurrent: 1, maxQueue: 1, clock }), { name: 'pools', clock }),
    timeout: timeout(5_000, { name: 'timeout', clock }),
    latency: injectLatency({ name: 'latency', rate: 0, ms: 1, clock }),
    fault: injectFault({ name: 'fault', rate: 0, error: () => new Error('injected') }),
  };
  const target = pipeline(
    { name: 'every', clock },
    policies.fallback,
    policies.retry,
    policies.hedge,
    policies.breaker,
    policies.rateLimit,
    policies.keyed,
    pipeline({ name: 'inner', clock }, policies.timeout, policies.latency, policies.fault),
  );
  return { clock, target, policies, budget };
}

/**
 * Runs calls that make every event-fed instrument record: a queued and a rejected bulkhead call,
 * a breaker that opens, rejects, and closes again after a probe, a rate-limit rejection.
 */
export async function runEveryKind(fixture: ReturnType<typeof everyKind>): Promise<void> {
  const { clock, target } = fixture;
  const settle = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      () => undefined,
    );
  const first = deferred<string>();
  const second = deferred<string>();
  const a = settle(target.execute(() => first.promise, { key: 'k' }));
  const b = settle(target.execute(() => second.promise, { key: 'k' }));
  await flush();
  await settle(target.execute(() => 'never runs', { key: 'k' })); // the bulkhead is full
  await clock.advance(5);
  first.resolve('a');
  await flush();
  second.resolve('b');
  await Promise.all([a, b]);
  await settle(
    target.execute(
      () => {
        throw new TypeError('dependency down');
      },
      { key: 'k' },
    ),
  ); // a failure: the breaker opens
  await settle(target.execute(() => 'refused', { key: 'k' })); // the breaker is open
  await clock.advance(1_000);
  await settle(target.execute(() => 'probe', { key: 'k' })); // half-open probe: closes
  for (let i = 0; i < 12; i++) await settle(target.execute(() => 'x', { key: String(i) })); // past the rate limit
  await flush();
}

export { INSTRUMENTS };

interface Emitting {
  readonly kind: string;
  listenerCount(event: string): number;
}

/** Every listener count of the fixture's policies (pools included), for each event the metrics table knows. */
export function listenerCounts(fixture: ReturnType<typeof everyKind>): Record<string, number> {
  const { target, policies } = fixture;
  const all: [string, Emitting][] = [
    ['every', target as unknown as Emitting],
    ['inner', target.policies[6] as unknown as Emitting],
  ];
  for (const [name, policy] of Object.entries(policies)) all.push([name, policy as unknown as Emitting]);
  for (const key of policies.keyed.keys()) all.push([`pool:${key}`, policies.keyed.get(key) as unknown as Emitting]);
  const counts: Record<string, number> = {};
  for (const [name, policy] of all) {
    for (const event of EVENTS[policy.kind] ?? []) counts[`${name}.${event}`] = policy.listenerCount(event);
  }
  return counts;
}
