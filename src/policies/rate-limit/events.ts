/** Events of a rate limit policy (each payload also has `policy`, `key`, `correlationId`, `at`). */
export interface RateLimitEvents {
  /** A call found no token and was refused with `RateLimitedError`. */
  rejected: { readonly retryAfter: number };
}
