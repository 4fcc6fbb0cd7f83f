/** The name used in error messages of the fetch wrapper. */
export const FETCH_KIND = 'resilientFetch';

/**
 * Methods that RFC 9110 (section 9.2.2) defines as idempotent: running them
 * twice has the effect of running them once, so a retry or hedge may repeat them.
 */
export const IDEMPOTENT_METHODS: readonly string[] = /* @__PURE__ */ Object.freeze([
  'GET',
  'HEAD',
  'OPTIONS',
  'TRACE',
  'PUT',
  'DELETE',
]);

/**
 * Statuses that count as failures (for retry and the circuit breaker) by default:
 * Request Timeout, Too Many Requests, and the server errors that say "try again".
 */
export const DEFAULT_FAIL_ON_STATUS: readonly number[] = /* @__PURE__ */ Object.freeze([408, 429, 500, 502, 503, 504]);

/** The default cap, in milliseconds, on a server's `Retry-After` (one minute). */
export const DEFAULT_MAX_RETRY_AFTER = 60_000;

/** By default the wrapper does not add `Idempotency-Key` headers. */
export const DEFAULT_IDEMPOTENCY_KEYS = false;

/** The header that makes a POST or PATCH safe to repeat (IETF httpapi draft "The Idempotency-Key HTTP Header Field"). */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

/** The header that carries a call's correlation ID (the `correlationId` option) to the server. */
export const DEFAULT_CORRELATION_HEADER = 'x-correlation-id';
