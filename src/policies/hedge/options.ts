import type { CommonOptions } from '../../core/policy.js';
import type { RetryBudget } from '../../core/retry-budget.js';

/** Options of {@link hedge}. */
export interface HedgeOptions extends CommonOptions {
  /**
   * Milliseconds to wait for an attempt before starting the next one; `0`
   * starts all of them at once. Required.
   * @example
   * ```ts
   * hedge({ delay: 50 }); // about your dependency's p95
   * ```
   */
  delay: number;
  /**
   * Extra attempts at most, on top of the first: an integer >= 1.
   * @defaultValue `1`
   */
  maxHedged?: number;
  /**
   * A shared budget (from `retryBudget()`): each execute deposits once, each
   * extra attempt takes a token, and no hedge starts without one.
   * @defaultValue none: hedges are limited by `maxHedged` only
   */
  budget?: RetryBudget;
  /**
   * Gets every value that an attempt produced after another attempt had won
   * (close the response, release the connection). Errors it throws are
   * reported as warnings, never to the caller.
   * @defaultValue none: late values are dropped
   */
  onDiscard?: (value: unknown) => void;
}
