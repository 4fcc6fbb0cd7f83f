import type { CommonOptions, Outcome } from '../../core/policy.js';
import type { RetryBudget } from '../../core/retry-budget.js';
import type { Backoff } from './backoff.js';

/** Options of {@link retry}. */
export interface RetryOptions extends CommonOptions {
  /**
   * Attempts in all, the first included: an integer >= 1, or `Infinity`
   * (then give it a `budget` or a deadline so that it ends).
   * @defaultValue `3`
   */
  maxAttempts?: number;
  /**
   * The delay before the next attempt, given the attempt that just failed.
   * @defaultValue `exponential()` (100 ms doubling up to 10 s, full jitter)
   */
  backoff?: Backoff;
  /**
   * Which outcomes to retry. Values are retried only for idempotent calls,
   * and after a caller's abort nothing is retried, whatever this says.
   * @defaultValue every error; values never
   */
  retryOn?: (outcome: Outcome) => boolean;
  /**
   * Whether calls that do not pass `idempotent` to `execute` may run more than once.
   * @defaultValue `false`
   */
  idempotent?: boolean;
  /**
   * Extra proof that a failed attempt never started, so that a
   * non-idempotent call may run again. Replaces the default list of codes;
   * `error.executed === false` always counts.
   * @defaultValue true when `error.code` or `error.cause.code` is one of {@link DEFAULT_NOT_EXECUTED_CODES}
   */
  notExecuted?: (error: unknown) => boolean;
  /**
   * A shared budget: each retry takes a token; each `execute` deposits.
   * @defaultValue none (retries limited only by `maxAttempts`)
   */
  budget?: RetryBudget;
  /**
   * Gets every value that a retry throws away (release sockets, cancel bodies).
   * @defaultValue none
   */
  onDiscard?: (value: unknown) => void;
  /**
   * Whether to warn once (`BreakwaterRetryWarning`, through `process.emitWarning`
   * where it exists) the first time a call is not retried because it is not
   * idempotent while nobody listens to `retryBlocked`. Listening silences it too.
   * @defaultValue `true`
   */
  warnNotIdempotent?: boolean;
  /**
   * The source of numbers in [0, 1) handed to `backoff` for jitter.
   * @defaultValue `Math.random`
   */
  random?: () => number;
}
