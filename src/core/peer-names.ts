/**
 * The peers' usual option names (cockatiel, opossum, p-retry, Polly) and what
 * to write here instead, so that a caller porting code is told the right name
 * rather than getting a silent no-op. One table, cut by factory: each policy
 * imports only its own part, so a bundle carries only the hints of the
 * policies it uses (docs/decisions/0016-size-budgets.md). `abortController`
 * applies to every factory and lives in `validate.ts`.
 */

/** A peer's option name: which peer uses it, and what to use here. */
export type PeerHint = readonly [peer: string, use: string];

/** The hints one factory gives, by the foreign option name. */
export type PeerHints = Readonly<Record<string, PeerHint>>;

/** `circuitBreaker`. */
export const BREAKER_PEER_NAMES: PeerHints = {
  halfOpenAfter: ['cockatiel', 'openFor'],
  breaker: ['cockatiel', "window (e.g. { kind: 'consecutive', failures: 5 })"],
  resetTimeout: ['opossum', 'openFor'],
  errorThresholdPercentage: ['opossum', 'failureRate, a fraction in (0, 1], not a percentage'],
  volumeThreshold: ['opossum', 'minimumCalls'],
  rollingCountTimeout: ['opossum', "window: { kind: 'time', ms }"],
  rollingCountBuckets: ['opossum', "window: { kind: 'time', ms, buckets }"],
  timeout: ['opossum', 'timeout(ms) inside the breaker: pipeline(breaker, timeout(ms))'],
  errorFilter: ['opossum', 'failOn (return false for errors that must not count)'],
  capacity: ['opossum', 'maxConcurrent'],
  breakDuration: ['Polly', 'openFor'],
  failureRatio: ['Polly', 'failureRate'],
  minimumThroughput: ['Polly', 'minimumCalls'],
  samplingDuration: ['Polly', "window: { kind: 'time', ms }"],
  shouldHandle: ['Polly', 'failOn'],
};

/** `retry` and `resilientFetch`. */
export const RETRY_PEER_NAMES: PeerHints = {
  maxRetries: ['cockatiel and Polly', 'maxAttempts, which counts the first attempt too'],
  retries: ['p-retry', 'maxAttempts, which counts the first attempt too (retries + 1)'],
  maxRetryAttempts: ['Polly', 'maxAttempts, which counts the first attempt too (MaxRetryAttempts + 1)'],
  minTimeout: ['p-retry', 'backoff: exponential({ initial })'],
  maxTimeout: ['p-retry', 'backoff: exponential({ max })'],
  factor: ['p-retry', 'backoff: exponential({ factor })'],
  randomize: ['p-retry', "backoff: exponential({ jitter: 'full' })"],
  shouldRetry: ['p-retry', 'retryOn'],
  onFailedAttempt: ['p-retry', "policy.on('retry', listener)"],
  shouldHandle: ['Polly', 'retryOn'],
  delay: ['Polly', 'backoff: constant(ms) or exponential({ initial })'],
  backoffType: ['Polly', 'backoff: constant(ms) or exponential()'],
  useJitter: ['Polly', "backoff: exponential({ jitter: 'full' })"],
  maxDelay: ['Polly', 'backoff: exponential({ max })'],
};

/** `bulkhead`. */
export const BULKHEAD_PEER_NAMES: PeerHints = {
  capacity: ['opossum', 'maxConcurrent'],
  permitLimit: ['Polly', 'maxConcurrent'],
  queueLimit: ['Polly', 'maxQueue'],
  maxParallelization: ['Polly', 'maxConcurrent'],
  concurrency: ['p-limit', 'maxConcurrent'],
};

/** `fallback`. */
export const FALLBACK_PEER_NAMES: PeerHints = {
  shouldHandle: ['Polly', 'on'],
  fallbackAction: ['Polly', 'the first argument of fallback()'],
};

/** `hedge`. */
export const HEDGE_PEER_NAMES: PeerHints = {
  maxHedgedAttempts: ['Polly', 'maxHedged'],
};

/** `rateLimit`. */
export const RATE_LIMIT_PEER_NAMES: PeerHints = {
  permitLimit: ['Polly', 'limit'],
  window: ['Polly', 'perMs'],
};

/** `timeout`. */
export const TIMEOUT_PEER_NAMES: PeerHints = {
  timeoutStrategy: ['cockatiel', 'strategy'],
};
