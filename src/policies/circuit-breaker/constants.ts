import type { CircuitState } from './events.js';

/** The default `name` of a circuit breaker, and the prefix of its error messages. */
export const CIRCUIT_BREAKER_KIND = 'circuitBreaker' as const;
/** The default window length of the time window, in milliseconds. */
export const DEFAULT_WINDOW_MS = 10_000;
/** The default number of buckets of the time window. */
export const DEFAULT_WINDOW_BUCKETS = 10;
/** The most buckets a time window may have (memory is O(buckets)). */
export const MAX_WINDOW_BUCKETS = 10_000;
/** The largest count window: one byte per call, so at most about 1 MB per breaker. */
export const MAX_COUNT_WINDOW_SIZE = 1_000_000;
/** The default failure rate at which the breaker opens. */
export const DEFAULT_FAILURE_RATE = 0.5;
/** The default number of calls a rate window needs before it decides. */
export const DEFAULT_MINIMUM_CALLS = 20;
/** The default time the breaker stays open, in milliseconds. */
export const DEFAULT_OPEN_FOR = 10_000;
/** The default number of trial calls in half-open. */
export const DEFAULT_PROBES = 1;
/** The default time after which an unsettled probe counts as a failure, in milliseconds. */
export const DEFAULT_MAX_WAIT = 30_000;
/** The version written into every snapshot. */
export const SNAPSHOT_VERSION = 1;
/** The states a breaker can be in. */
export const CIRCUIT_STATES: readonly CircuitState[] = /* @__PURE__ */ Object.freeze([
  'closed',
  'open',
  'halfOpen',
  'isolated',
] as const);
/** The window kinds. */
export const WINDOW_KINDS: readonly ('consecutive' | 'count' | 'time')[] = /* @__PURE__ */ Object.freeze([
  'consecutive',
  'count',
  'time',
] as const);

/**
 * Every default of `circuitBreaker`, in one frozen object.
 *
 * @example
 * ```ts
 * CIRCUIT_BREAKER_DEFAULTS.openFor; // 10_000
 * ```
 */
export const CIRCUIT_BREAKER_DEFAULTS: {
  readonly window: { readonly kind: 'time'; readonly ms: number; readonly buckets: number };
  readonly failureRate: number;
  readonly minimumCalls: number;
  readonly openFor: number;
  readonly halfOpen: { readonly probes: number; readonly maxWait: number };
} = /* @__PURE__ */ Object.freeze({
  window: /* @__PURE__ */ Object.freeze({
    kind: 'time' as const,
    ms: DEFAULT_WINDOW_MS,
    buckets: DEFAULT_WINDOW_BUCKETS,
  }),
  failureRate: DEFAULT_FAILURE_RATE,
  minimumCalls: DEFAULT_MINIMUM_CALLS,
  openFor: DEFAULT_OPEN_FOR,
  halfOpen: /* @__PURE__ */ Object.freeze({ probes: DEFAULT_PROBES, maxWait: DEFAULT_MAX_WAIT }),
});
