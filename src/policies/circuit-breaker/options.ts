import type { CommonOptions, Outcome } from '../../core/policy.js';
import type { SharedStore } from '../../core/store/protocol.js';
import type { BreakerSnapshot } from './snapshot.js';

/** Opens after `failures` failures in a row; any success resets the count. */
export interface ConsecutiveWindow {
  readonly kind: 'consecutive';
  /** Failures in a row that open the breaker: an integer >= 1. */
  readonly failures: number;
}

/** The last `size` calls (an integer in [1, 1000000]: one byte each). */
export interface CountWindow {
  readonly kind: 'count';
  /** How many of the latest calls the window holds: an integer >= 1. */
  readonly size: number;
}

/** The calls of the last `ms` milliseconds, kept in `buckets` buckets. */
export interface TimeWindow {
  readonly kind: 'time';
  /** The window length in milliseconds: a positive finite number. */
  readonly ms: number;
  /**
   * How many buckets the window is cut into: an integer in [1, 10000]. The
   * oldest bucket is dropped as a whole, so the window covers between
   * `ms - ms / buckets` and `ms` of history.
   * @defaultValue 10
   */
  readonly buckets?: number;
}

/** How the breaker remembers recent calls. */
export type BreakerWindow = ConsecutiveWindow | CountWindow | TimeWindow;

/** Slow-call detection: opens when `slowCalls / calls >= rate`. */
export interface SlowCallOptions {
  /** A call that takes at least this long (milliseconds, >= 0) is slow. */
  readonly ms: number;
  /** The slow-call rate that opens the breaker, in (0, 1]. */
  readonly rate: number;
}

/** Half-open behaviour. */
export interface HalfOpenOptions {
  /**
   * Trial calls allowed at once in half-open; this many successes close the
   * breaker. An integer >= 1.
   * @defaultValue 1
   */
  readonly probes?: number;
  /**
   * A probe not settled after this many milliseconds counts as a failure
   * (noticed lazily). A positive number, or `Infinity` to wait forever.
   * @defaultValue 30_000
   */
  readonly maxWait?: number;
}

/** Options of {@link circuitBreaker}. */
export interface CircuitBreakerOptions extends CommonOptions, SharingOptions {
  /**
   * How the breaker remembers recent calls.
   * @defaultValue `{ kind: 'time', ms: 10_000, buckets: 10 }`
   */
  window?: BreakerWindow;
  /**
   * Rate windows open when `failures / calls >= failureRate`. In (0, 1].
   * Not used by the `consecutive` window.
   * @defaultValue 0.5
   */
  failureRate?: number;
  /**
   * Rate windows decide only once they hold this many calls. An integer >= 0
   * (0 and 1 behave the same). With a `count` window the default is capped at
   * the window's `size`; an explicit value above `size` is rejected.
   * @defaultValue 20
   */
  minimumCalls?: number;
  /**
   * Opens when `slowCalls / calls >= rate`. Needs a `count` or `time` window.
   * @defaultValue off
   */
  slowCall?: SlowCallOptions;
  /**
   * How long the breaker stays open (milliseconds, >= 0), or a function of
   * the number of opens in a row (1 at the first) that returns it.
   * @defaultValue 10_000
   */
  openFor?: number | ((opens: number) => number);
  /**
   * Half-open behaviour.
   * @defaultValue `{ probes: 1, maxWait: 30_000 }`
   */
  halfOpen?: HalfOpenOptions;
  /**
   * Decides whether an outcome counts as a failure. An error for which it
   * returns false counts as a success (the dependency answered).
   * @defaultValue every error counts, values never
   */
  failOn?: (outcome: Outcome) => boolean;
  /**
   * A snapshot from `breaker.snapshot()` (possibly through `JSON.stringify`)
   * to start from.
   * @defaultValue closed, with an empty window
   */
  initialState?: BreakerSnapshot;
}

/** How instances share a breaker. */
export type BreakerShare = 'opens' | 'counts';

/** The options of a shared breaker (part of {@link CircuitBreakerOptions}). */
export interface SharingOptions {
  /**
   * A shared store (`memoryStore()`, or `redisStore()` from `breakwater/redis`):
   * instances of one breaker `name` learn from each other. Needs an explicit `name`.
   * @defaultValue none: the breaker is local
   */
  store?: SharedStore;
  /**
   * `'opens'`: an instance opens when at least `quorum` instances opened within
   * `openFor`; `'counts'`: time windows are merged across instances and
   * `minimumCalls` and `failureRate` apply to the totals.
   * @defaultValue `'opens'`
   */
  share?: BreakerShare;
  /**
   * With `share: 'opens'`: how many instances must have opened within `openFor`
   * for the others to follow. An integer >= 1.
   * @defaultValue 1
   */
  quorum?: number;
  /**
   * At most this often (milliseconds) an instance writes what it learned and
   * reads the fleet, on a call (no timer).
   * @defaultValue 1_000
   */
  syncMs?: number;
}
