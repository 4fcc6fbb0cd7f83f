import type { CommonOptions } from '../../core/policy.js';
import type { LimitAlgorithm } from './algorithm.js';

/** AIMD's settings: `adaptiveBulkhead({ algorithm: { kind: 'aimd', backoffRatio: 0.8 } })`. */
export interface AimdAlgorithmOptions {
  readonly kind: 'aimd';
  /**
   * What a drop multiplies the limit by, in [0.5, 1).
   * @defaultValue `0.9`
   */
  readonly backoffRatio?: number;
  /**
   * A window whose average RTT is above this (ms) counts as a drop.
   * @defaultValue `5_000`
   */
  readonly timeout?: number;
}

/** Gradient2's settings: `adaptiveBulkhead({ algorithm: { kind: 'gradient2', rttTolerance: 2 } })`. */
export interface Gradient2AlgorithmOptions {
  readonly kind: 'gradient2';
  /**
   * How much of each new estimate is taken, in (0, 1].
   * @defaultValue `0.2`
   */
  readonly smoothing?: number;
  /**
   * How much slower than the long average a window may be before the limit shrinks, >= 1.
   * @defaultValue `1.5`
   */
  readonly rttTolerance?: number;
  /**
   * How many windows the long RTT average spans, an integer >= 1.
   * @defaultValue `600`
   */
  readonly longWindow?: number;
  /**
   * How much the estimate may grow each window while latency holds, >= 0.
   * @defaultValue `4`
   */
  readonly queueSize?: number;
}

/** Vegas's settings: `adaptiveBulkhead({ algorithm: { kind: 'vegas', probeMultiplier: 10 } })`. */
export interface VegasAlgorithmOptions {
  readonly kind: 'vegas';
  /**
   * How much of each new estimate is taken, in (0, 1].
   * @defaultValue `1`
   */
  readonly smoothing?: number;
  /**
   * The no-load RTT is measured again about every `probeMultiplier × limit` windows (× a jitter in [0.5, 1)).
   * @defaultValue `30`
   */
  readonly probeMultiplier?: number;
  /**
   * Below this estimated queue the limit grows.
   * @defaultValue `limit => 3 × log10Root(limit)`
   */
  readonly alpha?: (limit: number) => number;
  /**
   * Above this estimated queue the limit shrinks.
   * @defaultValue `limit => 6 × log10Root(limit)`
   */
  readonly beta?: (limit: number) => number;
}

/** Which algorithm moves the limit: a built-in one by name or with settings, or your own. */
export type AdaptiveAlgorithm =
  | 'aimd'
  | 'gradient2'
  | 'vegas'
  | AimdAlgorithmOptions
  | Gradient2AlgorithmOptions
  | VegasAlgorithmOptions
  | LimitAlgorithm;

/** The sampling window: the limit changes only at a window's end. */
export interface SamplingWindowOptions {
  /**
   * The shortest window, ms (a window lasts twice its shortest RTT, within `[minMs, maxMs]`).
   * @defaultValue `1_000`
   */
  readonly minMs?: number;
  /**
   * The longest window, ms.
   * @defaultValue `1_000`
   */
  readonly maxMs?: number;
  /**
   * A window with fewer samples is thrown away, an integer >= 1.
   * @defaultValue `10`
   */
  readonly minSamples?: number;
  /**
   * Samples faster than this (ms) are ignored unless they dropped (concurrency-limits: 100 µs).
   * @defaultValue `0.1`
   */
  readonly minRttMs?: number;
}

/** Options of {@link adaptiveBulkhead}. */
export interface AdaptiveBulkheadOptions extends CommonOptions {
  /**
   * How the limit moves.
   * @defaultValue `'aimd'`
   */
  algorithm?: AdaptiveAlgorithm;
  /**
   * The limit to start from, an integer in `[minLimit, maxLimit]`.
   * @defaultValue `20` (kept within `[minLimit, maxLimit]` when those are given)
   */
  initialLimit?: number;
  /**
   * The lowest the limit goes, an integer >= 1.
   * @defaultValue `1`
   */
  minLimit?: number;
  /**
   * The highest the limit goes, an integer >= `minLimit`.
   * @defaultValue `200`
   */
  maxLimit?: number;
  /**
   * How many more calls may wait, in FIFO order, for a slot under the limit: an integer >= 0, or `Infinity`.
   * @defaultValue `0`
   */
  maxQueue?: number;
  /**
   * How long (ms) a call may wait in the queue before it is rejected with `{ reason: 'queueTimeout' }`.
   * @defaultValue no limit
   */
  queueTimeout?: number;
  /**
   * Whether a rejection from inside is a drop (a sign of overload).
   * @defaultValue a `TimeoutError`, or an error whose `executed` is `false`
   */
  isDrop?: (error: unknown) => boolean;
  /**
   * The sampling window.
   * @defaultValue `{ minMs: 1_000, maxMs: 1_000, minSamples: 10, minRttMs: 0.1 }`
   */
  window?: SamplingWindowOptions;
  /**
   * Random numbers in [0, 1), for Vegas's probe jitter.
   * @defaultValue `Math.random`
   */
  random?: () => number;
}
