/** The default `name` of a rate limit policy. */
export const RATE_LIMIT_KIND = 'rateLimit' as const;
