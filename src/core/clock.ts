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
export const systemClock: Clock = /* @__PURE__ */ Object.freeze({
  now: (): number => performance.now(),
  setTimeout: (fn: () => void, ms: number): unknown => setTimeout(fn, ms),
  clearTimeout: (handle: unknown): void => clearTimeout(handle as ReturnType<typeof setTimeout>),
});

/**
 * Arms a timer that calls `fn(arg)`. On the system clock no closure is made (the platform passes
 * `arg` itself), which is most of what a timer costs beyond the platform's own object.
 */
export function armTimer<A>(clock: Clock, fn: (arg: A) => void, ms: number, arg: A): unknown {
  if (clock === systemClock) return setTimeout(fn, ms, arg);
  return clock.setTimeout(() => fn(arg), ms);
}

/** Clears a timer made by {@link armTimer}. */
export function disarmTimer(clock: Clock, handle: unknown): void {
  if (clock === systemClock) clearTimeout(handle as ReturnType<typeof setTimeout>);
  else clock.clearTimeout(handle);
}
