/**
 * `breakwater/compat/cockatiel`: cockatiel 4's public API on breakwater's
 * policies. Retry is breakwater's `retry` (idempotent: cockatiel retries every
 * handled failure), the breaker breakwater's `circuitBreaker` driven by
 * cockatiel's `IBreaker` rules, timeout and bulkhead breakwater's. What differs
 * from breakwater is kept here on purpose; see docs/migration/cockatiel.md.
 */
import {
  bulkhead as bwBulkhead,
  circuitBreaker as bwCircuitBreaker,
  isBrokenCircuitError as bwIsBroken,
  isBulkheadRejectedError as bwIsBulkheadRejected,
  isIsolatedCircuitError as bwIsIsolated,
  isTimeoutError as bwIsTimeout,
  retry as bwRetry,
  timeout as bwTimeout,
  type BreakerSnapshot,
  type CircuitState as BwState,
  type Clock,
  type Context,
  type Outcome,
} from 'breakwater';
import { ConstantBackoff, type IBackoff, type IBackoffFactory } from './backoff.js';
import { CircuitState, type IBreaker } from './breakers.js';
import {
  BrokenCircuitError,
  BulkheadRejectedError,
  HydratingCircuitError,
  IsolatedCircuitError,
  TaskCancelledError,
} from './errors.js';
import { EventEmitter, type Event, type IDisposable } from './events.js';

export * from './backoff.js';
export * from './breakers.js';
export * from './errors.js';
export { Event, EventEmitter, type IDisposable } from './events.js';

/** What a failed call left: the error thrown, or the value the result filter rejected. */
export type FailureReason<R> = { error: unknown } | { value: R };

/** Emitted by `onFailure` for each handled or unhandled failure. */
export interface IFailureEvent {
  /** Milliseconds the call took. */
  duration: number;
  /** Whether the policy's filters handled the failure. */
  handled: boolean;
  /** The error or value. */
  reason: FailureReason<unknown>;
}

/** Emitted by `onSuccess`. */
export interface ISuccessEvent {
  /** Milliseconds the call took. */
  duration: number;
}

/** What every policy hands the function. */
export interface IDefaultPolicyContext {
  /** Aborts when the caller, or a timeout, cancels. */
  signal: AbortSignal;
}

/** What retry hands the function. */
export interface IRetryContext extends IDefaultPolicyContext {
  /** Retries so far: 0 on the first attempt. */
  attempt: number;
}

/** What a retry backoff is given. */
export interface IRetryBackoffContext<R> extends IRetryContext {
  /** The failure that is being retried. */
  result: FailureReason<R>;
}

/** What a breaker's `halfOpenAfter` backoff is given. */
export interface IHalfOpenAfterBackoffContext extends IDefaultPolicyContext {
  /** Opens in a row, 1 at the first. */
  attempt: number;
  /** The failure that opened the circuit. */
  result: FailureReason<unknown>;
}

/** What a timeout hands the function. */
export interface ICancellationContext {
  /** Aborts at the deadline (and, unless `abortOnReturn: false`, when the call returns). */
  signal: AbortSignal;
}

/** A cockatiel policy. */
export interface IPolicy<ContextType extends IDefaultPolicyContext = IDefaultPolicyContext, AltReturn = never> {
  /** Type marker of what else `execute` may resolve with (a fallback's value). */
  readonly _altReturn: AltReturn;
  /** Each successful call. */
  readonly onSuccess: Event<ISuccessEvent>;
  /** Each failed call. */
  readonly onFailure: Event<IFailureEvent>;
  /** Runs `fn` through the policy. */
  execute<T>(fn: (context: ContextType) => PromiseLike<T> | T, signal?: AbortSignal): Promise<T | AltReturn>;
}

type PolicyContext<P> = P extends IPolicy<infer C, unknown> ? C : never;
type PolicyAltReturn<P> = P extends IPolicy<IDefaultPolicyContext, infer R> ? R : never;

/** Two policies in one, as `wrap` makes them. */
export type MergePolicies<A, B> =
  A extends IPolicy<IDefaultPolicyContext, unknown>
    ? B extends IPolicy<IDefaultPolicyContext, unknown>
      ? IMergedPolicy<PolicyContext<A> & PolicyContext<B>, PolicyAltReturn<A> | PolicyAltReturn<B>, [A, B]>
      : never
    : never;

/** A policy made by `wrap`, with the policies it holds. */
export interface IMergedPolicy<
  A extends IDefaultPolicyContext,
  B,
  W extends IPolicy<IDefaultPolicyContext, unknown>[],
> extends IPolicy<A, B> {
  /** The wrapped policies, outermost first. */
  readonly wrapped: W;
}

/** Filters of a `Policy` builder. */
export interface IBasePolicyOptions {
  errorFilter: (error: unknown) => boolean;
  resultFilter: (result: unknown) => boolean;
}

/** A class a value can be an instance of. */
export type Constructor<T> = new (...args: never[]) => T;

const NEVER_ABORTED = new AbortController().signal;

/** Timers and `Date` read when called, never captured at load, so sinon's and vitest's fake timers drive the shim. */
const dateClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
const unrefClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms) as { unref?: () => void };
    t.unref?.();
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

type Result<T> = { success: T } | { value: T } | { error: unknown };

function returnOrThrow<T>(result: Result<T>): T {
  if ('error' in result) throw result.error;
  if ('success' in result) return result.success;
  return result.value;
}

function stopwatch(): () => number {
  const start = performance.now();
  return () => performance.now() - start;
}

/** Runs the function and sorts its outcome with the filters; emits onSuccess/onFailure. */
class ExecuteWrapper {
  private readonly successEmitter = new EventEmitter<ISuccessEvent>();
  private readonly failureEmitter = new EventEmitter<IFailureEvent>();
  readonly onSuccess: Event<ISuccessEvent> = this.successEmitter.addListener;
  readonly onFailure: Event<IFailureEvent> = this.failureEmitter.addListener;

  constructor(
    readonly errorFilter: (error: unknown) => boolean = () => false,
    readonly resultFilter: (result: unknown) => boolean = () => false,
  ) {}

  clone(): ExecuteWrapper {
    return new ExecuteWrapper(this.errorFilter, this.resultFilter);
  }

  /** Resolves with the sorted result; rejects only with an error the filters do not handle. */
  invoke<T, A extends unknown[]>(fn: (...args: A) => PromiseLike<T> | T, ...args: A): Promise<Result<T>> {
    return this.run(fn, args, undefined) as Promise<Result<T>>;
  }

  /**
   * `invoke`, with `tag` carried on the result object: what breakwater's policies
   * see as the call's value, so `retryOn`, `backoff` and `failOn` know whose it is.
   */
  run<T, A extends unknown[], G>(fn: (...args: A) => PromiseLike<T> | T, args: A, tag: G): Promise<Tagged<T, G>> {
    // No async wrapper: one `then` on the function's promise, and no stopwatch without listeners.
    const watch = this.successEmitter.size || this.failureEmitter.size ? stopwatch() : undefined;
    let pending: PromiseLike<T> | T;
    try {
      pending = fn(...args);
    } catch (error) {
      return settle(() => this.caught(error, watch, tag));
    }
    return Promise.resolve(pending).then(
      (value) => this.sorted(value, watch, tag),
      (error: unknown) => this.caught(error, watch, tag),
    );
  }

  private sorted<T, G>(value: T, watch: (() => number) | undefined, tag: G): Tagged<T, G> {
    if (!this.resultFilter(value)) {
      if (watch) this.successEmitter.emit({ duration: watch() });
      return { success: value, [TAG]: tag, failed: false };
    }
    if (watch) this.failureEmitter.emit({ duration: watch(), handled: true, reason: { value } });
    return { value, [TAG]: tag, failed: true };
  }

  private caught<T, G>(error: unknown, watch: (() => number) | undefined, tag: G): Tagged<T, G> {
    const handled = this.errorFilter(error);
    if (watch) this.failureEmitter.emit({ duration: watch(), handled, reason: { error } });
    if (!handled) throw error;
    return { error, [TAG]: tag, failed: true };
  }
}

/** The value of `make`, or its throw, as a promise. */
function settle<R>(make: () => R): Promise<R> {
  try {
    return Promise.resolve(make());
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Where a result object carries the call it belongs to. */
const TAG: unique symbol = Symbol('call');

/** A sorted result on its way through breakwater, with its call and whether the filters call it a failure. */
type Tagged<T, G> = Result<T> & { readonly [TAG]: G; readonly failed: boolean };

function isTagged(value: unknown): value is Tagged<unknown, unknown> {
  return typeof value === 'object' && value !== null && TAG in value;
}

function failureOf<T>(result: Result<T>): FailureReason<T> {
  return 'error' in result ? { error: result.error } : { value: (result as { value: T }).value };
}

// ---------------------------------------------------------------- retry

interface RetryCall {
  readonly signal: AbortSignal;
  backoff: IBackoff<IRetryBackoffContext<unknown>> | undefined;
}

/** Options of {@link RetryPolicy}. */
export interface IRetryPolicyConfig {
  /** The delay before each retry. @defaultValue new ConstantBackoff(0) */
  backoff: IBackoffFactory<IRetryBackoffContext<unknown>>;
  /** Retries after the first attempt (cockatiel counts retries). @defaultValue Infinity */
  maxAttempts: number;
  /** Unref the sleep timers. @defaultValue false */
  unref?: boolean;
}

/**
 * Re-runs a call whose failure the filters handle, up to `maxAttempts` more times.
 *
 * @example
 * const policy = retry(handleAll, { maxAttempts: 3, backoff: new ExponentialBackoff() });
 * policy.onRetry(({ delay }) => console.log('retrying in', delay));
 */
export class RetryPolicy implements IPolicy<IRetryContext> {
  declare readonly _altReturn: never;
  private readonly giveUpEmitter = new EventEmitter<FailureReason<unknown>>();
  private readonly retryEmitter = new EventEmitter<FailureReason<unknown> & { delay: number; attempt: number }>();
  /** Before each retry, with its delay and the attempt number (1 for the first retry). */
  readonly onRetry: Event<FailureReason<unknown> & { delay: number; attempt: number }> = this.retryEmitter.addListener;
  /** When the last allowed attempt failed. */
  readonly onGiveUp: Event<FailureReason<unknown>> = this.giveUpEmitter.addListener;
  private readonly inner: ReturnType<typeof bwRetry>;
  /** The attempt retry is deciding on: set in retryOn, read in backoff, in the same turn. */
  private deciding: Tagged<unknown, RetryCall> | undefined;

  constructor(
    private readonly options: IRetryPolicyConfig,
    private readonly executor: ExecuteWrapper,
  ) {
    const retries = options.maxAttempts;
    if (typeof retries !== 'number' || !(retries >= 0)) {
      throw new RangeError(
        `retry: maxAttempts must be a number >= 0 (retries after the first attempt), got ${String(retries)}`,
      );
    }
    this.inner = bwRetry({
      maxAttempts: retries === Infinity ? Infinity : Math.floor(retries) + 1,
      idempotent: true,
      warnNotIdempotent: false,
      retryOn: (outcome: Outcome) => {
        const a = outcome.ok ? outcome.value : undefined;
        // cockatiel stops retrying once the caller's signal aborted, and hands back the last failure.
        if (!isTagged(a) || !a.failed || (a[TAG] as RetryCall).signal.aborted) return false;
        this.deciding = a as Tagged<unknown, RetryCall>;
        return true;
      },
      backoff: ({ attempt }) => this.delayFor(attempt),
      clock: options.unref ? unrefClock : dateClock,
    } as Parameters<typeof bwRetry>[0]);
  }

  /** Each successful attempt. */
  get onSuccess(): Event<ISuccessEvent> {
    return this.executor.onSuccess;
  }
  /** Each failed attempt. */
  get onFailure(): Event<IFailureEvent> {
    return this.executor.onFailure;
  }

  /** The same policy with its sleep timers unref'd, so they do not hold the process open. */
  dangerouslyUnref(): RetryPolicy {
    return new RetryPolicy({ ...this.options, unref: true }, this.executor.clone());
  }

  private delayFor(attempt: number): number {
    const a = this.deciding;
    this.deciding = undefined;
    if (a === undefined) return 0;
    const call = a[TAG];
    const context: IRetryBackoffContext<unknown> = { attempt, signal: call.signal, result: failureOf(a) };
    call.backoff = call.backoff ? call.backoff.next(context) : this.options.backoff.next(context);
    const delay = call.backoff.duration;
    const event = { ...failureOf(a), delay, attempt };
    // cockatiel announces the retry once its sleep is scheduled, so a listener
    // that ticks fake timers moves the sleep on: breakwater schedules it in this turn.
    queueMicrotask(() => this.retryEmitter.emit(event));
    return delay;
  }

  /** Runs `fn`, retrying handled failures. */
  execute<T>(fn: (context: IRetryContext) => PromiseLike<T> | T, signal: AbortSignal = NEVER_ABORTED): Promise<T> {
    const call: RetryCall = { signal, backoff: undefined };
    const executor = this.executor;
    const attempt = (ctx: Context): Promise<Tagged<T, RetryCall>> =>
      executor.run(fn, [{ attempt: ctx.attempt - 1, signal }], call);
    // The caller's signal reaches the function, not breakwater's retry: cockatiel runs
    // the first attempt even when the signal is already aborted, and only stops retrying.
    return this.inner.execute(attempt).then(this.finish) as Promise<T>;
  }

  private readonly finish = (a: Tagged<unknown, RetryCall>): unknown => {
    if (a.failed) this.giveUpEmitter.emit(failureOf(a));
    return returnOrThrow(a);
  };
}

// ---------------------------------------------------------------- circuit breaker

/** How many half-open trial calls decide, and what share may fail. */
export interface IHalfOpenSamplingOptions {
  /** Trial calls. @defaultValue 1 */
  calls: number;
  /** Share of trial calls that may fail, in [0, 1); breakwater reopens on any failure, so only 0 is honoured. @defaultValue 0 */
  threshold: number;
}

/** Options of {@link CircuitBreakerPolicy}. */
export interface ICircuitBreakerOptions {
  /** The trip rule. */
  breaker: IBreaker;
  /** Milliseconds open before half-open, or a backoff of them. */
  halfOpenAfter: number | IBackoffFactory<IHalfOpenAfterBackoffContext>;
  /** Trial calls in half-open. @defaultValue { calls: 1, threshold: 0 } */
  halfOpenSampling?: IHalfOpenSamplingOptions;
  /** A `toJSON()` result to start from. */
  initialState?: unknown;
}

interface SerializedState {
  ownState: BreakerSnapshot;
  breakerState: unknown;
}

const TO_COCKATIEL: Record<BwState, CircuitState> = {
  closed: CircuitState.Closed,
  open: CircuitState.Open,
  halfOpen: CircuitState.HalfOpen,
  isolated: CircuitState.Isolated,
};

/**
 * Fails calls fast while the dependency is failing; `IBreaker` decides when.
 *
 * @example
 * const breaker = circuitBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) });
 * breaker.onBreak(() => console.log('open'));
 */
export class CircuitBreakerPolicy implements IPolicy {
  declare readonly _altReturn: never;
  private readonly breakEmitter = new EventEmitter<FailureReason<unknown> | { isolated: true }>();
  private readonly resetEmitter = new EventEmitter<void>();
  private readonly halfOpenEmitter = new EventEmitter<void>();
  private readonly stateChangeEmitter = new EventEmitter<CircuitState>();
  /** When the circuit opens (or is isolated). */
  readonly onBreak: Event<FailureReason<unknown> | { isolated: true }> = this.breakEmitter.addListener;
  /** When the circuit closes. */
  readonly onReset: Event<void> = this.resetEmitter.addListener;
  /** When the circuit half-opens. */
  readonly onHalfOpen: Event<void> = this.halfOpenEmitter.addListener;
  /** On every state change, with the new state. */
  readonly onStateChange: Event<CircuitState> = this.stateChangeEmitter.addListener;
  private readonly inner: ReturnType<typeof bwCircuitBreaker>;
  private failureSeen: FailureReason<unknown> | undefined;
  private halfOpenChain: IBackoff<IHalfOpenAfterBackoffContext> | undefined;
  private decision: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(
    private readonly options: ICircuitBreakerOptions,
    private readonly executor: ExecuteWrapper,
  ) {
    const sampling = options.halfOpenSampling ?? { calls: 1, threshold: 0 };
    if (!Number.isSafeInteger(sampling.calls) || sampling.calls < 1) {
      throw new RangeError(`CircuitBreaker halfOpenSampling.calls should be a positive integer, got ${sampling.calls}`);
    }
    if (!Number.isFinite(sampling.threshold) || sampling.threshold < 0 || sampling.threshold >= 1) {
      throw new RangeError(
        `CircuitBreaker halfOpenSampling.threshold should be between [0, 1), got ${sampling.threshold}`,
      );
    }
    if (!options.breaker || typeof options.breaker.failure !== 'function') {
      throw new TypeError(
        'circuitBreaker: breaker must be an IBreaker (ConsecutiveBreaker, CountBreaker, SamplingBreaker or your own)',
      );
    }
    const after = options.halfOpenAfter;
    if (
      typeof after === 'number' ? !(after >= 0 && Number.isFinite(after)) : !after || typeof after.next !== 'function'
    ) {
      throw new TypeError(
        `circuitBreaker: halfOpenAfter must be a finite number >= 0 or a backoff, got ${String(after)}`,
      );
    }
    let initial: BreakerSnapshot | undefined;
    const hydrate = options.initialState as SerializedState | undefined;
    if (hydrate) {
      initial = hydrate.ownState;
      options.breaker.state = hydrate.breakerState;
      if (initial.state === 'open' || initial.state === 'halfOpen')
        this.failureSeen = { error: new HydratingCircuitError() };
    }
    this.inner = bwCircuitBreaker({
      // The IBreaker decides: one failure it calls fatal opens breakwater's breaker.
      window: { kind: 'consecutive', failures: 1 },
      failOn: (outcome: Outcome) => this.judge(outcome),
      openFor: typeof after === 'number' ? after : (opens: number) => this.halfOpenDelay(opens, after),
      halfOpen: { probes: sampling.calls, maxWait: Infinity },
      clock: dateClock,
      ...(initial ? { initialState: initial } : {}),
    });
    this.inner.on('stateChange', ({ from, to }) => {
      if (from === 'halfOpen') this.settleDecision();
      if (to === 'open') this.breakEmitter.emit(this.failureSeen ?? { error: new HydratingCircuitError() });
      else if (to === 'isolated') this.breakEmitter.emit({ isolated: true });
      else if (to === 'closed') {
        if (from === 'halfOpen') this.options.breaker.success(CircuitState.HalfOpen);
        this.resetEmitter.emit();
      } else if (to === 'halfOpen') this.halfOpenEmitter.emit();
      this.stateChangeEmitter.emit(TO_COCKATIEL[to]);
    });
  }

  /** Each successful call. */
  get onSuccess(): Event<ISuccessEvent> {
    return this.executor.onSuccess;
  }
  /** Each failed call. */
  get onFailure(): Event<IFailureEvent> {
    return this.executor.onFailure;
  }
  /** The state now. */
  get state(): CircuitState {
    return TO_COCKATIEL[this.inner.state];
  }
  /** The failure that last opened (or could have opened) the circuit. */
  get lastFailure(): FailureReason<unknown> | undefined {
    return this.failureSeen;
  }

  private halfOpenDelay(opens: number, factory: IBackoffFactory<IHalfOpenAfterBackoffContext>): number {
    const context: IHalfOpenAfterBackoffContext = {
      attempt: opens,
      result: this.failureSeen ?? { error: undefined },
      signal: NEVER_ABORTED,
    };
    this.halfOpenChain = opens <= 1 || !this.halfOpenChain ? factory.next(context) : this.halfOpenChain.next(context);
    return this.halfOpenChain.duration;
  }

  /** breakwater's failOn: handled failures go to the IBreaker, which says whether to open. */
  private judge(outcome: Outcome): boolean {
    if (!outcome.ok) return false;
    const a = outcome.value;
    if (!isTagged(a)) return false;
    const state = a[TAG] as CircuitState;
    if (!a.failed) {
      if (state !== CircuitState.HalfOpen) this.options.breaker.success(state);
      return false;
    }
    this.failureSeen = failureOf(a);
    return this.options.breaker.failure(state);
  }

  private settleDecision(): void {
    const d = this.decision;
    this.decision = undefined;
    d?.resolve();
  }

  /** Holds the circuit open until every handle is disposed. */
  isolate(): IDisposable {
    const handle = this.inner.isolate();
    let disposed = false;
    return {
      dispose: () => {
        if (disposed) return;
        disposed = true;
        handle.release();
      },
    };
  }

  /** The state as JSON, for `initialState`. */
  toJSON(): unknown {
    return { ownState: this.inner.snapshot(), breakerState: this.options.breaker.state };
  }

  /** Runs `fn` unless the circuit is open; in half-open, callers beyond the trial wait for its verdict. */
  execute<T>(
    fn: (context: IDefaultPolicyContext) => PromiseLike<T> | T,
    signal: AbortSignal = NEVER_ABORTED,
  ): Promise<T> {
    const state = this.state; // reading it moves an elapsed open to half-open, with its events
    if (state === CircuitState.HalfOpen && this.decision === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.decision = { promise, resolve };
    }
    const executor = this.executor;
    // As in cockatiel, the signal goes to the function only: an aborted caller still runs when closed.
    return this.inner
      .execute(() => executor.run(fn, [{ signal }], state))
      .then(returnOrThrow, (error: unknown) => this.rejected(error, state, fn, signal)) as Promise<T>;
  }

  /** breakwater's rejection, in cockatiel's terms; a caller beyond the half-open trial waits for its verdict. */
  private async rejected<T>(
    error: unknown,
    state: CircuitState,
    fn: (context: IDefaultPolicyContext) => PromiseLike<T> | T,
    signal: AbortSignal,
  ): Promise<T> {
    if (bwIsIsolated(error)) throw new IsolatedCircuitError();
    if (!bwIsBroken(error)) throw error;
    const waiting = this.decision;
    if (state !== CircuitState.HalfOpen || waiting === undefined) throw new BrokenCircuitError();
    await waiting.promise;
    if (this.state === CircuitState.Closed && signal.aborted) throw new TaskCancelledError();
    if (this.state !== CircuitState.Closed) throw new BrokenCircuitError();
    return this.execute(fn, signal);
  }
}

// ---------------------------------------------------------------- timeout

/** How a timeout ends a call. */
export enum TimeoutStrategy {
  /** Abort the signal and wait for the function to settle. */
  Cooperative = 'optimistic',
  /** Abort the signal and reject at once with `TaskCancelledError`. */
  Aggressive = 'aggressive',
}

/** Options of {@link TimeoutPolicy}. */
export interface ITimeoutOptions {
  /** How the call ends at the deadline. */
  strategy: TimeoutStrategy;
  /** Abort the signal when the call returns before the deadline. @defaultValue true */
  abortOnReturn?: boolean;
}

/**
 * Ends a call after `duration` ms.
 *
 * @example
 * const policy = timeout(2000, TimeoutStrategy.Aggressive);
 * await policy.execute(({ signal }) => fetch(url, { signal }));
 */
export class TimeoutPolicy implements IPolicy<ICancellationContext> {
  declare readonly _altReturn: never;
  private readonly timeoutEmitter = new EventEmitter<void>();
  /** When a call times out. */
  readonly onTimeout: Event<void> = this.timeoutEmitter.addListener;
  private readonly inner: ReturnType<typeof bwTimeout>;
  /** Whether its timers are unref'd. */
  readonly unrefd: boolean;

  constructor(
    private readonly duration: number,
    private readonly options: ITimeoutOptions,
    private readonly executor: ExecuteWrapper = new ExecuteWrapper(),
    unref = false,
  ) {
    this.unrefd = unref;
    if (typeof duration !== 'number' || !(duration > 0)) {
      throw new RangeError(`timeout: duration must be a positive number of milliseconds, got ${String(duration)}`);
    }
    const strategy = options?.strategy === TimeoutStrategy.Cooperative ? 'cooperative' : 'aggressive';
    this.inner = bwTimeout(duration === Infinity ? 2_147_483_647 : duration, {
      strategy,
      clock: unref ? unrefClock : dateClock,
    });
    this.inner.on('timeout', () => this.timeoutEmitter.emit());
  }

  /** Each successful call. */
  get onSuccess(): Event<ISuccessEvent> {
    return this.executor.onSuccess;
  }
  /** Each failed call. */
  get onFailure(): Event<IFailureEvent> {
    return this.executor.onFailure;
  }

  /** The same policy with its timer unref'd (this one is unref'd already when `unrefd`). */
  dangerouslyUnref(): TimeoutPolicy {
    return new TimeoutPolicy(this.duration, this.options, this.executor, true);
  }

  /** Runs `fn` with a signal that aborts at the deadline (and when the caller's `signal` aborts). */
  execute<T>(
    fn: (context: ICancellationContext, signal: AbortSignal) => PromiseLike<T> | T,
    signal?: AbortSignal,
  ): Promise<T> {
    const aggressive = this.options?.strategy !== TimeoutStrategy.Cooperative;
    const abortOnReturn = this.options?.abortOnReturn !== false;
    const duration = this.duration;
    const cancelled = (): TaskCancelledError => new TaskCancelledError(`Operation timed out after ${duration}ms`);
    // The caller's signal is linked into the function's, not given to breakwater: cockatiel
    // lets a cooperative call finish after the caller aborts, and ends an aggressive one with
    // its own TaskCancelledError.
    const run = (ctx: Context): Promise<T> => {
      const controller = new AbortController();
      const deadline = ctx.signal;
      const follow = (): void => {
        if (!controller.signal.aborted) controller.abort();
      };
      let stopParent: (() => void) | undefined;
      let parentAborted: Promise<never> | undefined;
      if (signal) {
        if (signal.aborted) follow();
        else {
          let rejectWork: ((error: unknown) => void) | undefined;
          if (aggressive) parentAborted = new Promise<never>((_, reject) => (rejectWork = reject));
          const onParent = (): void => {
            follow();
            this.timeoutEmitter.emit();
            rejectWork?.(cancelled());
          };
          signal.addEventListener('abort', onParent, { once: true });
          stopParent = () => signal.removeEventListener('abort', onParent);
        }
      }
      if (deadline.aborted) follow();
      else deadline.addEventListener('abort', follow, { once: true });
      const done = (): void => {
        deadline.removeEventListener('abort', follow);
        stopParent?.();
        if (abortOnReturn) follow();
      };
      let work: Promise<T>;
      try {
        work = Promise.resolve(fn({ signal: controller.signal }, controller.signal));
      } catch (error) {
        work = Promise.reject(error);
      }
      if (parentAborted) work = Promise.race([work, parentAborted]);
      return work.then(
        (value) => {
          done();
          return value;
        },
        (error: unknown) => {
          done();
          throw error;
        },
      );
    };
    return this.executor
      .invoke(() =>
        this.inner.execute(run).catch((error: unknown) => {
          if (!bwIsTimeout(error)) throw error;
          const cause = (error as { cause?: unknown }).cause;
          if (!aggressive && cause !== undefined) throw cause;
          throw cancelled();
        }),
      )
      .then(returnOrThrow);
  }
}

// ---------------------------------------------------------------- bulkhead

/**
 * At most `capacity` calls at once, `queueCapacity` more waiting.
 *
 * @example
 * const pool = bulkhead(10, 100);
 * await pool.execute(() => query());
 */
export class BulkheadPolicy implements IPolicy {
  declare readonly _altReturn: never;
  private readonly rejectEmitter = new EventEmitter<void>();
  private readonly executor = new ExecuteWrapper();
  /** Never emitted, as in cockatiel's bulkhead. */
  readonly onSuccess: Event<ISuccessEvent> = this.executor.onSuccess;
  /** Never emitted, as in cockatiel's bulkhead. */
  readonly onFailure: Event<IFailureEvent> = this.executor.onFailure;
  /** When a call is rejected because the bulkhead and queue are full. */
  readonly onReject: Event<void> = this.rejectEmitter.addListener;
  private readonly inner: ReturnType<typeof bwBulkhead>;

  constructor(
    private readonly capacity: number,
    private readonly queueCapacity: number,
  ) {
    this.inner = bwBulkhead({ maxConcurrent: capacity, maxQueue: queueCapacity, clock: dateClock });
    this.inner.on('rejected', ({ reason }) => {
      if (reason === 'full') this.rejectEmitter.emit();
    });
  }

  /** Places free to run now. */
  get executionSlots(): number {
    return this.capacity - this.inner.active;
  }
  /** Places free in the queue. */
  get queueSlots(): number {
    return this.queueCapacity - this.inner.queued;
  }

  /** Runs `fn` when a place is free; rejects with `BulkheadRejectedError` when the queue is full too. */
  execute<T>(
    fn: (context: IDefaultPolicyContext) => PromiseLike<T> | T,
    signal: AbortSignal = NEVER_ABORTED,
  ): Promise<T> {
    if (signal.aborted) return Promise.reject(new TaskCancelledError());
    // cockatiel checks the signal when the call's turn comes (a queued call keeps its
    // place until then) and never cuts a running call short; the signal reaches fn only.
    const run = (): PromiseLike<T> | T => (signal.aborted ? Promise.reject(new TaskCancelledError()) : fn({ signal }));
    return this.inner.execute(run).catch((error: unknown) => {
      if (bwIsBulkheadRejected(error) && (error as { reason?: string }).reason === 'full') {
        throw new BulkheadRejectedError(this.capacity, this.queueCapacity);
      }
      throw error;
    }) as Promise<T>;
  }
}

// ---------------------------------------------------------------- fallback and noop

/**
 * Resolves with a value when the call fails with a handled failure.
 *
 * @example
 * const policy = fallback(handleAll, () => 'default');
 */
export class FallbackPolicy<AltReturn> implements IPolicy<IDefaultPolicyContext, AltReturn> {
  declare readonly _altReturn: AltReturn;
  constructor(
    private readonly executor: ExecuteWrapper,
    private readonly value: () => AltReturn | Promise<AltReturn>,
  ) {}
  /** Each successful call. */
  get onSuccess(): Event<ISuccessEvent> {
    return this.executor.onSuccess;
  }
  /** Each failed call. */
  get onFailure(): Event<IFailureEvent> {
    return this.executor.onFailure;
  }
  /** Runs `fn`; a handled failure resolves with the fallback. */
  async execute<T>(
    fn: (context: IDefaultPolicyContext) => PromiseLike<T> | T,
    signal: AbortSignal = NEVER_ABORTED,
  ): Promise<T | AltReturn> {
    const result = await this.executor.invoke(fn, { signal });
    if ('success' in result) return result.success;
    return this.value();
  }
}

/**
 * Runs the function as it is (still emitting onSuccess/onFailure).
 *
 * @example
 * const policy = enabled ? retry(handleAll, { maxAttempts: 3 }) : noop;
 */
export class NoopPolicy implements IPolicy {
  declare readonly _altReturn: never;
  private readonly executor = new ExecuteWrapper();
  /** Each successful call. */
  readonly onSuccess: Event<ISuccessEvent> = this.executor.onSuccess;
  /** Each failed call. */
  readonly onFailure: Event<IFailureEvent> = this.executor.onFailure;
  /** Runs `fn`. */
  async execute<T>(
    fn: (context: IDefaultPolicyContext) => PromiseLike<T> | T,
    signal: AbortSignal = NEVER_ABORTED,
  ): Promise<T> {
    return returnOrThrow(await this.executor.invoke(fn, { signal }));
  }
}

// ---------------------------------------------------------------- builders

const typeFilter =
  <T>(cls: Constructor<T>, predicate?: (error: T) => boolean) =>
  (v: unknown): boolean =>
    v instanceof cls && (predicate ? predicate(v as T) : true);
const always = (): boolean => true;
const never = (): boolean => false;

/**
 * Which errors and results a policy handles; start with `handleAll`, `handleType`, `handleWhen`…
 *
 * @example
 * const policy = handleType(NetworkError).orWhenResult((r) => r.status >= 500);
 */
export class Policy {
  constructor(readonly options: Readonly<IBasePolicyOptions>) {}
  /** Also handle errors of this class (and predicate). */
  orType<T>(cls: Constructor<T>, predicate?: (error: T) => boolean): Policy {
    const filter = typeFilter(cls, predicate);
    return new Policy({ ...this.options, errorFilter: (e) => this.options.errorFilter(e) || filter(e) });
  }
  /** Also handle errors for which the predicate is true. */
  orWhen(predicate: (error: unknown) => boolean): Policy {
    return new Policy({ ...this.options, errorFilter: (e) => this.options.errorFilter(e) || predicate(e) });
  }
  /** Also handle results for which the predicate is true. */
  orWhenResult(predicate: (r: unknown) => boolean): Policy {
    return new Policy({ ...this.options, resultFilter: (r) => this.options.resultFilter(r) || predicate(r) });
  }
  /** Also handle results of this class (and predicate). */
  orResultType<T>(cls: Constructor<T>, predicate?: (result: T) => boolean): Policy {
    const filter = typeFilter(cls, predicate);
    return new Policy({ ...this.options, resultFilter: (r) => this.options.resultFilter(r) || filter(r) });
  }
}

/** A policy that runs the function as it is. @example wrap(noop, retryPolicy) */
export const noop: NoopPolicy = new NoopPolicy();

/** Handles every error, no result. @example retry(handleAll, { maxAttempts: 3 }) */
export const handleAll: Policy = new Policy({ errorFilter: always, resultFilter: never });

/** Handles errors of `cls` (and `predicate`). @example handleType(TypeError) */
export function handleType<T>(cls: Constructor<T>, predicate?: (error: T) => boolean): Policy {
  return new Policy({ errorFilter: typeFilter(cls, predicate), resultFilter: never });
}

/** Handles errors for which `predicate` is true. @example handleWhen((e) => e.code === 'ECONNRESET') */
export function handleWhen(predicate: (error: unknown) => boolean): Policy {
  return new Policy({ errorFilter: predicate, resultFilter: never });
}

/** Handles results of `cls` (and `predicate`). @example handleResultType(Response, (r) => r.status >= 500) */
export function handleResultType<T>(cls: Constructor<T>, predicate?: (result: T) => boolean): Policy {
  return new Policy({ errorFilter: never, resultFilter: typeFilter(cls, predicate) });
}

/** Handles results for which `predicate` is true. @example handleWhenResult((r) => r === null) */
export function handleWhenResult(predicate: (result: unknown) => boolean): Policy {
  return new Policy({ errorFilter: never, resultFilter: predicate });
}

/** A bulkhead of `limit` running calls and `queue` waiting ones. @defaultValue queue 0 @example bulkhead(10, 100) */
export function bulkhead(limit: number, queue = 0): BulkheadPolicy {
  return new BulkheadPolicy(limit, queue);
}

/** A method decorator, in both forms: TypeScript's `experimentalDecorators` (cockatiel's) and standard decorators. */
export interface PolicyDecorator {
  (target: unknown, key: string | symbol, descriptor: PropertyDescriptor): void;
  <F extends (this: never, ...args: never[]) => unknown>(value: F, context: ClassMethodDecoratorContext): F;
}

/**
 * Decorates a method so each call runs through `policy`; a trailing `AbortSignal` argument becomes the call's signal.
 * The method gets the policy's context as one more argument.
 *
 * @example
 * class Db { @usePolicy(retry(handleAll, { maxAttempts: 3 })) get(id: string, ctx?: IRetryContext) {} }
 */
export function usePolicy(policy: IPolicy<IDefaultPolicyContext, never>): PolicyDecorator {
  const wrapMethod = (inner: unknown): ((this: unknown, ...args: unknown[]) => unknown) => {
    if (typeof inner !== 'function')
      throw new Error(`Can only decorate functions with @cockatiel, got ${typeof inner}`);
    return function (this: unknown, ...args: unknown[]) {
      const signal = args[args.length - 1] instanceof AbortSignal ? (args.pop() as AbortSignal) : undefined;
      return policy.execute(
        (context) => (inner as (...a: unknown[]) => unknown).apply(this, [...args, context]),
        signal,
      );
    };
  };
  return ((target: unknown, keyOrContext: unknown, descriptor?: PropertyDescriptor): unknown => {
    if (descriptor !== undefined) {
      descriptor.value = wrapMethod(descriptor.value);
      return undefined;
    }
    // A standard decorator gets the method itself and a context object.
    void keyOrContext;
    return wrapMethod(target);
  }) as PolicyDecorator;
}

/** A timeout after `duration` ms. @example timeout(1000, TimeoutStrategy.Cooperative) */
export function timeout(duration: number, strategyOrOpts: TimeoutStrategy | ITimeoutOptions): TimeoutPolicy {
  return new TimeoutPolicy(
    duration,
    typeof strategyOrOpts === 'string' ? { strategy: strategyOrOpts } : strategyOrOpts,
  );
}

/** Composes policies, the first outermost. @example wrap(retryPolicy, breakerPolicy, timeoutPolicy) */
export function wrap<A extends IPolicy<IDefaultPolicyContext, unknown>>(p1: A): A;
export function wrap<
  A extends IPolicy<IDefaultPolicyContext, unknown>,
  B extends IPolicy<IDefaultPolicyContext, unknown>,
>(p1: A, p2: B): MergePolicies<A, B>;
export function wrap<
  A extends IPolicy<IDefaultPolicyContext, unknown>,
  B extends IPolicy<IDefaultPolicyContext, unknown>,
  C extends IPolicy<IDefaultPolicyContext, unknown>,
>(p1: A, p2: B, p3: C): MergePolicies<C, MergePolicies<A, B>>;
export function wrap<
  A extends IPolicy<IDefaultPolicyContext, unknown>,
  B extends IPolicy<IDefaultPolicyContext, unknown>,
  C extends IPolicy<IDefaultPolicyContext, unknown>,
  D extends IPolicy<IDefaultPolicyContext, unknown>,
>(p1: A, p2: B, p3: C, p4: D): MergePolicies<D, MergePolicies<C, MergePolicies<A, B>>>;
export function wrap<
  A extends IPolicy<IDefaultPolicyContext, unknown>,
  B extends IPolicy<IDefaultPolicyContext, unknown>,
  C extends IPolicy<IDefaultPolicyContext, unknown>,
  D extends IPolicy<IDefaultPolicyContext, unknown>,
  E extends IPolicy<IDefaultPolicyContext, unknown>,
>(p1: A, p2: B, p3: C, p4: D, p5: E): MergePolicies<E, MergePolicies<D, MergePolicies<C, MergePolicies<A, B>>>>;
export function wrap<C extends IDefaultPolicyContext, A>(...p: Array<IPolicy<C, A>>): IPolicy<C, A>;
export function wrap(...p: Array<IPolicy<IDefaultPolicyContext, unknown>>): IPolicy<IDefaultPolicyContext, unknown> {
  const first = p[0];
  if (first === undefined) throw new TypeError('wrap: give at least one policy');
  return {
    _altReturn: undefined,
    onFailure: first.onFailure,
    onSuccess: first.onSuccess,
    wrapped: p,
    execute<T>(fn: (context: IDefaultPolicyContext) => PromiseLike<T> | T, signal?: AbortSignal): Promise<T> {
      const run = (context: IDefaultPolicyContext, i: number): PromiseLike<T> | T => {
        const policy = p[i];
        return policy === undefined
          ? fn(context)
          : (policy.execute((next) => run({ ...context, ...next }, i + 1), context.signal) as Promise<T>);
      };
      return Promise.resolve(run({ signal: signal ?? NEVER_ABORTED }, 0));
    },
  } as IMergedPolicy<IDefaultPolicyContext, unknown, IPolicy<IDefaultPolicyContext, unknown>[]>;
}

/** A retry of handled failures. @defaultValue maxAttempts Infinity (retries), backoff ConstantBackoff(0) @example retry(handleAll, { maxAttempts: 3, backoff: new ExponentialBackoff() }) */
export function retry(
  policy: Policy,
  opts: { maxAttempts?: number; backoff?: IBackoffFactory<IRetryBackoffContext<unknown>> },
): RetryPolicy {
  return new RetryPolicy(
    { backoff: opts.backoff || new ConstantBackoff(0), maxAttempts: opts.maxAttempts ?? Infinity },
    new ExecuteWrapper(policy.options.errorFilter, policy.options.resultFilter),
  );
}

/** A circuit breaker. @example circuitBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) }) */
export function circuitBreaker(policy: Policy, opts: ICircuitBreakerOptions): CircuitBreakerPolicy {
  return new CircuitBreakerPolicy(opts, new ExecuteWrapper(policy.options.errorFilter, policy.options.resultFilter));
}

/** A fallback value (or a function giving it) for handled failures. @example fallback(handleAll, () => cached) */
export function fallback<R>(policy: Policy, valueOrFactory: (() => Promise<R> | R) | R): FallbackPolicy<R> {
  return new FallbackPolicy(
    new ExecuteWrapper(policy.options.errorFilter, policy.options.resultFilter),
    (typeof valueOrFactory === 'function' ? valueOrFactory : () => valueOrFactory) as () => R | Promise<R>,
  );
}
