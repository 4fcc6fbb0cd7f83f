/**
 * The source of time for every policy. Inject a `VirtualClock` from
 * `breakwater/testing` to make time deterministic in tests.
 */
export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  /** Schedules `fn` after `ms` milliseconds and returns a handle for `clearTimeout`. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a timer made by this clock's `setTimeout`. */
  clearTimeout(handle: unknown): void;
}

/**
 * The default clock: `performance.now()` and the global timers.
 *
 * @example
 * ```ts
 * timeout(1_000, { clock: systemClock });
 * ```
 */
export const systemClock: Clock = Object.freeze({
  now: (): number => performance.now(),
  setTimeout: (fn: () => void, ms: number): unknown => setTimeout(fn, ms),
  clearTimeout: (handle: unknown): void => clearTimeout(handle as ReturnType<typeof setTimeout>),
});
