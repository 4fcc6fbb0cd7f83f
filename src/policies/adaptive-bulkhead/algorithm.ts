/**
 * What one sampling window saw, handed to a {@link LimitAlgorithm} when the
 * window ends (concurrency-limits' windowed limit: the average RTT, the most
 * calls in flight, and whether anything dropped).
 */
export interface LimitWindow {
  /** The average round-trip time of the window's timed calls, ms; 0 when every sample was a drop too fast to time. */
  readonly rtt: number;
  /** The shortest round-trip time of the window's timed calls, ms; 0 when none was timed. */
  readonly minRtt: number;
  /** The most calls in flight (each counting itself) when one of the window's calls started. */
  readonly inFlight: number;
  /** How many samples the window holds (at least the window's `minSamples`). */
  readonly samples: number;
  /** True when at least one of the window's calls dropped (`isDrop`). */
  readonly didDrop: boolean;
  /** Clock time at which the window ended. */
  readonly at: number;
}

/**
 * How an adaptive bulkhead moves its limit: called once at the end of every
 * sampling window, on the call that ends it, with what the window saw and the
 * current limit; returns the new limit. The bulkhead rounds the result down
 * and keeps it in `[minLimit, maxLimit]`; a result that is not a finite number
 * keeps the limit. One object serves one bulkhead (it may keep state): give
 * each `keyed` pool its own.
 *
 * @remarks
 * Gotchas: a throwing `update` keeps the limit and is reported as a listener
 * error; it never fails the call that ended the window.
 *
 * @example
 * ```ts
 * // Halve on a drop, else grow by one while at least half the limit is used.
 * const halving: LimitAlgorithm = {
 *   update: (window, limit) => (window.didDrop ? limit / 2 : window.inFlight * 2 >= limit ? limit + 1 : limit),
 * };
 * const pool = adaptiveBulkhead({ algorithm: halving });
 * ```
 */
export interface LimitAlgorithm {
  /** Returns the limit to use from now on, given what the window saw and the current `limit`. */
  update(window: LimitWindow, limit: number): number;
}

/** The bounds a built-in algorithm keeps its estimate in, and the limit it starts from. */
export interface LimitBounds {
  readonly initialLimit: number;
  readonly minLimit: number;
  readonly maxLimit: number;
}

/** Keeps `value` in `[min, max]`. */
export function clamp(value: number, min: number, max: number): number {
  return value < min ? min : value > max ? max : value;
}
