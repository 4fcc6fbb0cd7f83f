/** The default `name` of a rate limit policy. */
export const RATE_LIMIT_KIND = 'rateLimit' as const;
/** The default `mode` of a rate limit with a store: one round trip per call, exact across instances. */
export const DEFAULT_RATE_LIMIT_MODE = 'strict' as const;
/** The modes of a rate limit with a store. */
export const RATE_LIMIT_MODES = ['strict', 'lease'] as const;
/** The default most local buckets a rate limit keeps while its store is degraded. */
export const DEFAULT_RATE_LIMIT_MAX_KEYS = 1_000;
/** The default tokens one lease takes: a tenth of the burst, at least one. */
export function defaultLease(burst: number): number {
  return Math.max(1, Math.ceil(burst / 10));
}
