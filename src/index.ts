// Core contract
export type { Clock } from './core/clock.js';
export { systemClock } from './core/clock.js';
export type { Context, ExecuteOptions } from './core/context.js';
export type { EventBase } from './core/events.js';
export type { CommonOptions, Outcome, Policy } from './core/policy.js';
export { Pipeline, pipeline } from './core/pipeline.js';
export {
  BreakwaterError,
  BrokenCircuitError,
  BulkheadRejectedError,
  type BulkheadRejectReason,
  IsolatedCircuitError,
  RateLimitedError,
  TimeoutError,
  isBreakwaterError,
  isBrokenCircuitError,
  isBulkheadRejectedError,
  isIsolatedCircuitError,
  isRateLimitedError,
  isTimeoutError,
} from './core/errors.js';

// timeout
export {
  DEFAULT_TIMEOUT_STRATEGY,
  timeout,
  TimeoutPolicy,
  type TimeoutEvents,
  type TimeoutOptions,
  type TimeoutStrategy,
} from './policies/timeout/index.js';

// circuit breaker (exports added here)

// bulkhead and keyed (exports added here)

// retry (exports added here)

// fallback, hedge, rateLimit, chaos (exports added here)
