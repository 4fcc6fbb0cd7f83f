// Core contract
export type { Clock } from './core/clock.js';
export { systemClock } from './core/clock.js';
export type { AbortSubscriber, Context, ExecuteOptions } from './core/context.js';
export { subscribeToAbort, unsubscribeFromAbort } from './core/abort-watch.js';
export type { EventBase } from './core/events.js';
export type { CommonOptions, Outcome, Policy, PolicyKind } from './core/policy.js';
export {
  DEFAULT_PIPELINE_NAME,
  Pipeline,
  pipeline,
  type PipelineEvents,
  type PipelineOptions,
} from './core/pipeline.js';
// For policies that live in other entries of this package (breakwater/cache), which
// import the core as 'breakwater' (docs/decisions/0004): the base class and the
// protocol by which policies hand each other the call's context (docs/decisions/0012).
export { PolicyBase, RUN, type PolicyFunction } from './core/policy.js';
export type { CallContext, Scope } from './core/context.js';
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

// circuit breaker
export {
  CIRCUIT_BREAKER_DEFAULTS,
  circuitBreaker,
  DEFAULT_QUORUM,
  DEFAULT_SHARE,
  DEFAULT_SYNC_MS,
  type BreakerShare,
  type SharingOptions,
  CircuitBreakerPolicy,
  type BreakerSnapshot,
  type BreakerWindow,
  type CircuitBreakerEvents,
  type CircuitBreakerOptions,
  type CircuitBreakerStats,
  type CircuitState,
  type ConsecutiveWindow,
  type CountWindow,
  type HalfOpenOptions,
  type IsolationHandle,
  type SlowCallOptions,
  type StateChangeReason,
  type TimeWindow,
  type WindowSnapshot,
} from './policies/circuit-breaker/index.js';

// bulkhead, adaptive bulkhead and keyed
export {
  bulkhead,
  BulkheadPolicy,
  DEFAULT_MAX_QUEUE,
  type BulkheadEvents,
  type BulkheadOptions,
} from './policies/bulkhead/index.js';
export {
  ADAPTIVE_BULKHEAD_DEFAULTS,
  adaptiveBulkhead,
  AdaptiveBulkheadPolicy,
  type AdaptiveAlgorithm,
  type AdaptiveBulkheadEvents,
  type AdaptiveBulkheadOptions,
  type AimdAlgorithmOptions,
  type Gradient2AlgorithmOptions,
  type LimitAlgorithm,
  type LimitWindow,
  type SamplingWindowOptions,
  type VegasAlgorithmOptions,
} from './policies/adaptive-bulkhead/index.js';
export {
  DEFAULT_KEY,
  DEFAULT_MAX_KEYS,
  keyed,
  KeyedPolicy,
  type EvictionReason,
  type KeyedEvents,
  type KeyedOptions,
} from './policies/keyed/index.js';

// retry
export {
  constant,
  EXPONENTIAL_DEFAULTS,
  DEFAULT_IDEMPOTENT,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_NOT_EXECUTED_CODES,
  exponential,
  retry,
  RetryPolicy,
  type Backoff,
  type BackoffInfo,
  type ExponentialOptions,
  type Jitter,
  type RetryBlockedReason,
  type RetryEvents,
  type RetryOptions,
} from './policies/retry/index.js';
export type { RetryBudget } from './core/retry-budget.js';
export { RETRY_BUDGET_DEFAULTS, retryBudget, type RetryBudgetOptions } from './core/windowed-retry-budget.js';

// fallback, hedge, rateLimit, chaos
export {
  DEFAULT_FALLBACK_ON,
  fallback,
  FallbackPolicy,
  type FallbackEvents,
  type FallbackOptions,
  type FallbackValue,
} from './policies/fallback/index.js';
export { DEFAULT_MAX_HEDGED, hedge, HedgePolicy, type HedgeEvents, type HedgeOptions } from './policies/hedge/index.js';
export {
  DEFAULT_RATE_LIMIT_MAX_KEYS,
  DEFAULT_RATE_LIMIT_MODE,
  rateLimit,
  RateLimitPolicy,
  type RateLimitEvents,
  type RateLimitMode,
  type RateLimitOptions,
} from './policies/rate-limit/index.js';
export {
  injectFault,
  InjectFaultPolicy,
  injectLatency,
  InjectLatencyPolicy,
  type ChaosOptions,
  type FaultFactory,
  type InjectFaultEvents,
  type InjectFaultOptions,
  type InjectLatencyEvents,
  type InjectLatencyOptions,
} from './policies/chaos/index.js';

// Observability: health reports and event logs
export { DEFAULT_HEALTH_LIMIT, health } from './observe/health.js';
export type {
  BreakerStatsHealth,
  HealthOptions,
  HealthReport,
  HealthStatus,
  PolicyHealth,
  PoolsHealth,
  StoreHealth,
} from './observe/health-report.js';
export {
  DEFAULT_EVENT_LEVEL,
  DEFAULT_EVENT_LEVELS,
  logEvents,
  type EventLevel,
  type EventLogger,
  type EventLogHandle,
  type LogEventsOptions,
  type LogLevel,
} from './observe/log-events.js';
export type { EventRecord, LoggedError } from './observe/event-record.js';
// shared state: the store protocol, the in-memory store, and the base a store builds on (breakwater/redis)
export {
  isSharedStore,
  memoryStore,
  MemoryStore,
  StoreBase,
  StoreTimeoutError,
  type BreakerCounts,
  type BreakerReport,
  type BreakerView,
  type BucketRule,
  type Grant,
  type MemoryStoreOptions,
  type SharedStore,
  type StoreEvents,
  type StoreHealthOptions,
  type StoreListener,
  type StoreReply,
} from './core/store/index.js';
