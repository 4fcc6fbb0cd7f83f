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
