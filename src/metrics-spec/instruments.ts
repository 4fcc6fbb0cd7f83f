/**
 * The one description of breakwater's metrics (docs/metrics.md, DESIGN "Metrics"): every
 * instrument with its OpenTelemetry name, Prometheus name, unit, type and attributes, and which
 * event or property feeds it. `breakwater/otel` and `breakwater/prometheus` each translate this
 * table to their backend; neither lists an instrument of its own.
 */

/** The kind of instrument: synchronous counters and histograms are fed by events, the rest is read at collection. */
export type InstrumentType = 'counter' | 'histogram' | 'gauge' | 'upDownCounter';

/** One instrument of the table. */
export interface InstrumentSpec {
  /** The OpenTelemetry instrument name, e.g. `'breakwater.events'`. */
  readonly otel: string;
  /** The Prometheus name without the prefix, e.g. `'events_total'`. */
  readonly prometheus: string;
  /** The OpenTelemetry unit (UCUM), e.g. `'s'` or `'{call}'`. */
  readonly unit: string;
  /** Counters and histograms are synchronous; gauges and up-down counters are observable. */
  readonly type: InstrumentType;
  /** The description / Prometheus help text. */
  readonly help: string;
  /** Attributes beyond the ones every series has (policy name and kind, constants, key). */
  readonly attributes: readonly string[];
}

/** Attribute keys every series carries. */
export const POLICY_NAME = 'breakwater.policy.name';
/** The policy kind attribute. */
export const POLICY_KIND = 'breakwater.policy.kind';
/** The keyed pool's key, only with `keyAttribute` / `keyLabel`. */
export const KEY = 'breakwater.key';

/** Histogram boundaries in seconds, unless the `buckets` option says otherwise. */
export const DEFAULT_BUCKETS: readonly number[] = /* @__PURE__ */ Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

function spec(
  otel: string,
  prometheus: string,
  type: InstrumentType,
  unit: string,
  attributes: readonly string[],
  help: string,
): InstrumentSpec {
  return Object.freeze({ otel, prometheus, type, unit, attributes: Object.freeze(attributes.slice()), help });
}

/** Every instrument, in the order of the DESIGN table. */
export const INSTRUMENTS = /* @__PURE__ */ Object.freeze({
  events: spec(
    'breakwater.events',
    'events_total',
    'counter',
    '{event}',
    ['breakwater.event', 'error.type'],
    'Events emitted by breakwater policies.',
  ),
  pipelineDuration: spec(
    'breakwater.pipeline.duration',
    'pipeline_duration_seconds',
    'histogram',
    's',
    ['breakwater.outcome', 'error.type'],
    'Duration of whole calls through a pipeline, as the caller saw them.',
  ),
  callDuration: spec(
    'breakwater.call.duration',
    'call_duration_seconds',
    'histogram',
    's',
    ['breakwater.outcome', 'error.type'],
    'Duration of calls a circuit breaker counted.',
  ),
  queueWait: spec(
    'breakwater.bulkhead.queue_wait',
    'bulkhead_queue_wait_seconds',
    'histogram',
    's',
    [],
    'Time queued calls waited for a bulkhead slot.',
  ),
  attemptDuration: spec(
    'breakwater.attempt.duration',
    'attempt_duration_seconds',
    'histogram',
    's',
    ['breakwater.attempt', 'breakwater.outcome'],
    'Duration of each attempt of a retry or hedge.',
  ),
  breakerState: spec(
    'breakwater.circuit_breaker.state',
    'circuit_breaker_state',
    'gauge',
    '{breaker}',
    ['breakwater.state'],
    'For each state, how many circuit breakers of this name are in it.',
  ),
  transitions: spec(
    'breakwater.circuit_breaker.transitions',
    'circuit_breaker_transitions_total',
    'counter',
    '{transition}',
    ['breakwater.from', 'breakwater.to', 'breakwater.reason'],
    'Circuit breaker state changes.',
  ),
  failureRate: spec(
    'breakwater.circuit_breaker.failure_rate',
    'circuit_breaker_failure_rate',
    'gauge',
    '1',
    [],
    'Failure rate of the current breaker window (the highest of breakers of one name).',
  ),
  bulkheadActive: spec(
    'breakwater.bulkhead.active',
    'bulkhead_active',
    'upDownCounter',
    '{call}',
    [],
    'Calls running inside bulkheads.',
  ),
  bulkheadQueued: spec(
    'breakwater.bulkhead.queued',
    'bulkhead_queued',
    'upDownCounter',
    '{call}',
    [],
    'Calls waiting in bulkhead queues.',
  ),
  bulkheadLimit: spec(
    'breakwater.bulkhead.limit',
    'bulkhead_limit',
    'upDownCounter',
    '{call}',
    [],
    'Concurrency limit of bulkheads.',
  ),
  rejections: spec(
    'breakwater.rejections',
    'rejections_total',
    'counter',
    '{call}',
    ['breakwater.reason'],
    'Calls refused without running, by reason.',
  ),
  retryBudget: spec(
    'breakwater.retry_budget.available',
    'retry_budget_available',
    'gauge',
    '{token}',
    [],
    'Tokens left in the retry budgets of retries and hedges.',
  ),
  keyedPools: spec(
    'breakwater.keyed.pools',
    'keyed_pools',
    'upDownCounter',
    '{pool}',
    [],
    'Live pools of keyed policies.',
  ),
  storeDegraded: spec(
    'breakwater.store.degraded',
    'store_degraded',
    'gauge',
    '1',
    ['breakwater.store.name'],
    '1 while a shared store is degraded, else 0.',
  ),
});

/** The identifier of an instrument in {@link INSTRUMENTS}. */
export type InstrumentId = keyof typeof INSTRUMENTS;

/** Every instrument id, in table order. */
export const INSTRUMENT_IDS = /* @__PURE__ */ Object.freeze(Object.keys(INSTRUMENTS) as InstrumentId[]);

/**
 * The events each kind emits, all of them counted by `breakwater.events`. Kinds whose source lives on
 * other branches (adaptive bulkhead, cache, a shared store) are listed by their documented events.
 */
export const EVENTS: Readonly<Record<string, readonly string[]>> = /* @__PURE__ */ Object.freeze({
  timeout: ['timeout'],
  retry: ['attempt', 'retry', 'giveUp', 'retryBlocked'],
  circuitBreaker: ['stateChange', 'success', 'failure', 'rejected'],
  bulkhead: ['rejected', 'dequeued'],
  adaptiveBulkhead: ['rejected', 'dequeued', 'limitChanged'],
  keyed: ['created', 'evicted'],
  fallback: ['fallback'],
  hedge: ['hedge', 'attempt'],
  rateLimit: ['rejected'],
  injectFault: ['fault'],
  injectLatency: ['latency'],
  pipeline: ['settled'],
  cache: ['hit', 'miss', 'stale', 'coalesced'],
  store: ['degraded', 'restored'],
});

/** An event payload as the adapters see it. */
export type Payload = Readonly<Record<string, unknown>>;

/** How an error becomes the `error.type` attribute. */
export type ErrorType = (error: unknown) => string;

/** One instrument fed by one event: the value to record and the extra attribute values, aligned with the instrument's `attributes`. */
export interface EventFeed {
  readonly instrument: InstrumentId;
  /** The value recorded; counters add 1. */
  readonly value: (payload: Payload) => number;
  /** Values of the instrument's extra attributes, in order; `undefined` leaves one out. */
  readonly attributes: (payload: Payload, errorType: ErrorType) => readonly (string | undefined)[];
}

const one = (): number => 1;
const seconds =
  (field: string) =>
  (payload: Payload): number =>
    (payload[field] as number) / 1000;

interface OutcomeLike {
  readonly ok: boolean;
  readonly error?: unknown;
}

function outcomeAttributes(payload: Payload, errorType: ErrorType): readonly (string | undefined)[] {
  const outcome = payload.outcome as OutcomeLike;
  return outcome.ok ? ['success', undefined] : ['failure', errorType(outcome.error)];
}

/** `breakwater.attempt`: `'1'` … `'5'`, then `'6+'`, so the attribute has a bounded set of values. */
export function attemptBucket(attempt: number): string {
  return attempt >= 6 ? '6+' : String(attempt);
}

const rejectedFor = (reason: (payload: Payload) => string): EventFeed => ({
  instrument: 'rejections',
  value: one,
  attributes: (payload) => [reason(payload)],
});

const attemptFeed: EventFeed = {
  instrument: 'attemptDuration',
  value: seconds('durationMs'),
  attributes: (payload) => [
    attemptBucket(payload.attempt as number),
    (payload.outcome as OutcomeLike).ok ? 'success' : 'failure',
  ],
};

const queueWaitFeed: EventFeed = { instrument: 'queueWait', value: seconds('waitedMs'), attributes: () => [] };
const bulkheadRejected = rejectedFor((payload) => payload.reason as string);

/** Instruments fed by an event, beyond `breakwater.events`: `FEEDS[kind][event]`. */
export const FEEDS: Readonly<Record<string, Readonly<Record<string, readonly EventFeed[]>>>> =
  /* @__PURE__ */ Object.freeze({
    pipeline: {
      settled: [{ instrument: 'pipelineDuration', value: seconds('durationMs'), attributes: outcomeAttributes }],
    },
    circuitBreaker: {
      success: [{ instrument: 'callDuration', value: seconds('durationMs'), attributes: () => ['success', undefined] }],
      failure: [
        {
          instrument: 'callDuration',
          value: seconds('durationMs'),
          attributes: (p, errorType) => ['failure', errorType(p.error)],
        },
      ],
      stateChange: [
        {
          instrument: 'transitions',
          value: one,
          attributes: (p) => [p.from as string, p.to as string, p.reason as string],
        },
      ],
      rejected: [rejectedFor((payload) => payload.state as string)],
    },
    bulkhead: { dequeued: [queueWaitFeed], rejected: [bulkheadRejected] },
    adaptiveBulkhead: { dequeued: [queueWaitFeed], rejected: [bulkheadRejected] },
    rateLimit: { rejected: [rejectedFor(() => 'rateLimited')] },
    retry: { attempt: [attemptFeed], retryBlocked: [rejectedFor((payload) => payload.reason as string)] },
    hedge: { attempt: [attemptFeed] },
  });

/** The states the breaker-state gauge reports, each one every time (0 when no breaker is in it). */
export const BREAKER_STATES: readonly string[] = /* @__PURE__ */ Object.freeze([
  'closed',
  'open',
  'halfOpen',
  'isolated',
]);

/** How the members of one series group combine into the value of an observable. */
export type Combine = 'sum' | 'max';

/** One observable instrument read from a property of each member at collection. */
export interface Observer {
  readonly instrument: InstrumentId;
  readonly kinds: readonly string[];
  readonly combine: Combine;
  /**
   * The member's contribution: one value, or one value per attribute variant (the breaker's
   * state), `undefined` when it has none (a retry without a budget).
   */
  readonly read: (target: Readonly<Record<string, unknown>>) => number | undefined;
  /** Extra attribute values of the member's series, when the instrument has some (and they are not per state). */
  readonly attributes?: (target: Readonly<Record<string, unknown>>) => readonly string[];
  /**
   * Members that share this object count once (a retry budget shared by several retries).
   */
  readonly shared?: (target: Readonly<Record<string, unknown>>) => object | undefined;
}

const numberOf =
  (property: string) =>
  (target: Readonly<Record<string, unknown>>): number | undefined => {
    const value = target[property];
    return typeof value === 'number' ? value : undefined;
  };

function budgetOf(target: Readonly<Record<string, unknown>>): { readonly available: number } | undefined {
  const budget = target.budget as { available?: unknown } | undefined;
  return typeof budget === 'object' && budget !== null && typeof budget.available === 'number'
    ? (budget as { available: number })
    : undefined;
}

/**
 * Observable instruments other than the breaker state (which has one series per state, see
 * {@link BREAKER_STATES}).
 */
export const OBSERVERS: readonly Observer[] = /* @__PURE__ */ Object.freeze([
  {
    instrument: 'failureRate',
    kinds: ['circuitBreaker'],
    combine: 'max',
    read: (t) => (t.stats as { failureRate?: number } | undefined)?.failureRate,
  },
  { instrument: 'bulkheadActive', kinds: ['bulkhead', 'adaptiveBulkhead'], combine: 'sum', read: numberOf('active') },
  { instrument: 'bulkheadQueued', kinds: ['bulkhead', 'adaptiveBulkhead'], combine: 'sum', read: numberOf('queued') },
  {
    instrument: 'bulkheadLimit',
    kinds: ['bulkhead', 'adaptiveBulkhead'],
    combine: 'sum',
    // A bulkhead's limit is `maxConcurrent`; an adaptive bulkhead's moves, as `limit`.
    read: (t) => (t.kind === 'adaptiveBulkhead' ? numberOf('limit')(t) : numberOf('maxConcurrent')(t)),
  },
  {
    instrument: 'retryBudget',
    kinds: ['retry', 'hedge'],
    combine: 'sum',
    read: (t) => budgetOf(t)?.available,
    shared: budgetOf,
  },
  { instrument: 'keyedPools', kinds: ['keyed'], combine: 'sum', read: numberOf('size') },
  {
    instrument: 'storeDegraded',
    kinds: ['store'],
    combine: 'max',
    read: (t) => (t.degraded === true ? 1 : 0),
    attributes: (t) => [t.name as string],
  },
] satisfies Observer[]);
