import type { CommonOptions } from '../../core/policy.js';

/** Options of {@link rateLimit}. */
export interface RateLimitOptions extends CommonOptions {
  /**
   * Calls admitted per `perMs` in the long run (the refill rate): an integer >= 1. Required.
   * @example
   * ```ts
   * rateLimit({ limit: 100, perMs: 1_000 }); // 100 calls per second
   * ```
   */
  limit: number;
  /** The period of `limit`, in milliseconds: a positive finite number. Required. */
  perMs: number;
  /**
   * Calls admitted at once after a quiet spell (the bucket's size): an integer >= 1.
   * @defaultValue `limit`
   */
  burst?: number;
}
