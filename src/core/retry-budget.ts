import { describe } from './validate.js';

/**
 * A shareable token budget for extra attempts (retries and hedges), so that
 * they cannot multiply load during an outage. Made by `retryBudget()`.
 */
export interface RetryBudget {
  /** Takes one token for an extra attempt; false when none is left. */
  tryTake(): boolean;
  /** Tokens available now. */
  readonly available: number;
  /**
   * Records one call (a retry or hedge policy calls this once per `execute`);
   * each deposit adds `ratio` tokens for `windowMs`.
   */
  deposit(): void;
}

/** Validates the `budget` option of a policy: an object with `tryTake` and `deposit`. */
export function isRetryBudget(policy: string, value: unknown): RetryBudget {
  const ok =
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<RetryBudget>).tryTake === 'function' &&
    typeof (value as Partial<RetryBudget>).deposit === 'function';
  if (!ok)
    throw new TypeError(
      `${policy}: budget must be a RetryBudget (an object with tryTake and deposit), got ${describe(value)}`,
    );
  return value as RetryBudget;
}
