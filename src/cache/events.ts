/**
 * Events of a cache policy (each payload also has `policy`, `key`, `correlationId`, `at`).
 *
 * @example
 * ```ts
 * policy.on('stale', (e) => log.warn({ key: e.key, error: e.error }, 'served a stale answer'));
 * ```
 */
export interface CacheEvents {
  /** A fresh entry answered the call; `fn` did not run. */
  hit: Record<never, never>;
  /** No fresh entry: the call starts a run of `fn` (an expired entry may still answer if it fails). */
  miss: Record<never, never>;
  /** The run failed and an expired entry younger than `ttl + staleIfError` answered instead; `error` is the failure. */
  stale: { readonly error: unknown };
  /** The call joined a run of `fn` already in flight for its key. */
  coalesced: Record<never, never>;
}
