/**
 * Marks breakwater errors so that guards work across duplicate copies of the
 * package (two versions in one node_modules tree still recognise each other).
 */
const BRAND: unique symbol = Symbol.for('breakwater.error') as never;

interface Branded {
  [BRAND]?: string;
}

/**
 * Brands an error and names it. `name` is an own, non-enumerable property set
 * by the constructor rather than a prototype property set at load: a
 * statement at module level would keep every class alive in a bundle that
 * uses none (docs/decisions/0016-size-budgets.md).
 */
function mark(error: Error, name: string): void {
  (error as Branded)[BRAND] = name;
  Object.defineProperty(error, 'name', { value: name, writable: true, configurable: true });
}

function hasBrand(value: unknown, name: string): boolean {
  return typeof value === 'object' && value !== null && (value as Branded)[BRAND] === name;
}

/**
 * Base class of every error that breakwater itself raises.
 *
 * `executed` is `false` when the library rejected the call before the wrapped
 * function ran; retry uses it to prove that a re-run cannot duplicate work.
 *
 * @example
 * ```ts
 * try { await policy.execute(call); }
 * catch (error) { if (isBreakwaterError(error) && !error.executed) { ... } }
 * ```
 */
export class BreakwaterError extends Error {
  /** `false` when the wrapped function never ran for this rejection. */
  readonly executed: boolean;

  constructor(message: string, executed: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.executed = executed;
    mark(this, 'BreakwaterError');
  }
}

/**
 * A `timeout` policy gave up waiting. `ms` is the policy's limit.
 * `executed` is `true`: the wrapped function had started.
 */
export class TimeoutError extends BreakwaterError {
  /** The timeout that elapsed, in milliseconds. */
  readonly ms: number;

  constructor(ms: number, options?: { cause?: unknown }) {
    super(`timed out after ${ms} ms`, true, options);
    this.ms = ms;
    mark(this, 'TimeoutError');
  }
}

/**
 * An open (or half-open and busy) circuit breaker refused the call.
 * `retryAfter` is the time in milliseconds until the breaker will admit a probe.
 */
export class BrokenCircuitError extends BreakwaterError {
  /** Milliseconds until the breaker admits a trial call; 0 when it already could. */
  readonly retryAfter: number;

  constructor(retryAfter: number, message = 'circuit is open') {
    super(message, false);
    this.retryAfter = retryAfter;
    mark(this, 'BrokenCircuitError');
  }
}

/** The circuit breaker is held open by `isolate()` until every handle is released. */
export class IsolatedCircuitError extends BreakwaterError {
  constructor() {
    super('circuit is isolated', false);
    mark(this, 'IsolatedCircuitError');
  }
}

/** Why a bulkhead refused a call. */
export type BulkheadRejectReason = 'full' | 'queueTimeout' | 'limit';

const REJECT_MESSAGES: Record<BulkheadRejectReason, string> = {
  full: 'bulkhead is full',
  queueTimeout: 'bulkhead queue timeout',
  limit: 'adaptive bulkhead is at its limit',
};

/**
 * A bulkhead had no free place (`'full'`), an adaptive bulkhead was at its
 * current limit with no queue place (`'limit'`), or the call waited too long
 * in the queue (`'queueTimeout'`).
 */
export class BulkheadRejectedError extends BreakwaterError {
  /** `'full'`: no slot and no queue place; `'limit'`: the same at an adaptive bulkhead's limit; `'queueTimeout'`: queued longer than `queueTimeout`. */
  readonly reason: BulkheadRejectReason;

  constructor(reason: BulkheadRejectReason) {
    super(REJECT_MESSAGES[reason], false);
    this.reason = reason;
    mark(this, 'BulkheadRejectedError');
  }
}

/** A rate limiter had no token. `retryAfter` is the time in milliseconds until the next one. */
export class RateLimitedError extends BreakwaterError {
  /** Milliseconds until a token is available. */
  readonly retryAfter: number;

  constructor(retryAfter: number) {
    super('rate limit exceeded', false);
    this.retryAfter = retryAfter;
    mark(this, 'RateLimitedError');
  }
}

const ALL_NAMES: readonly string[] = [
  'BreakwaterError',
  'TimeoutError',
  'BrokenCircuitError',
  'IsolatedCircuitError',
  'BulkheadRejectedError',
  'RateLimitedError',
];

/** True for any error raised by breakwater (any copy of the package). */
export function isBreakwaterError(value: unknown): value is BreakwaterError {
  return typeof value === 'object' && value !== null && ALL_NAMES.includes((value as Branded)[BRAND] ?? '');
}
/** True for a {@link TimeoutError} from any copy of the package. */
export function isTimeoutError(value: unknown): value is TimeoutError {
  return hasBrand(value, 'TimeoutError');
}
/** True for a {@link BrokenCircuitError} from any copy of the package. */
export function isBrokenCircuitError(value: unknown): value is BrokenCircuitError {
  return hasBrand(value, 'BrokenCircuitError');
}
/** True for an {@link IsolatedCircuitError} from any copy of the package. */
export function isIsolatedCircuitError(value: unknown): value is IsolatedCircuitError {
  return hasBrand(value, 'IsolatedCircuitError');
}
/** True for a {@link BulkheadRejectedError} from any copy of the package. */
export function isBulkheadRejectedError(value: unknown): value is BulkheadRejectedError {
  return hasBrand(value, 'BulkheadRejectedError');
}
/** True for a {@link RateLimitedError} from any copy of the package. */
export function isRateLimitedError(value: unknown): value is RateLimitedError {
  return hasBrand(value, 'RateLimitedError');
}

/**
 * True when `error` proves that the attempt never reached the dependency:
 * its `executed` property is exactly `false`.
 */
export function provesNotExecuted(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { executed?: unknown }).executed === false;
}
