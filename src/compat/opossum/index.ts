/**
 * `breakwater/compat/opossum`: opossum 10's `CircuitBreaker` on breakwater's
 * policies. The call's timeout is breakwater's `timeout`, its `capacity` is
 * breakwater's `bulkhead`; opossum's own semantics stay here, where breakwater
 * has none to offer: the rolling window of counts, opening at `>`
 * `errorThresholdPercentage`, the timer-driven half-open, manual
 * `open()`/`close()`. See docs/migration/opossum.md and decision 0010.
 */
import { EventEmitter } from 'eventemitter3';

/** Lets the process exit while the timer waits, where the platform can. */
function unref(timer: unknown): void {
  (timer as { unref?: () => void }).unref?.();
}
import {
  bulkhead,
  isBulkheadRejectedError,
  isTimeoutError,
  pipeline,
  timeout,
  type Clock,
  type Policy,
} from 'breakwater';
import { Status, type RotateBucketController, type Stats, type StatusOptions } from './status.js';

export type { Bucket, BucketCounts, RotateBucketController, Stats, StatusOptions } from './status.js';

/** opossum's options; the caching and coalescing ones are refused (this shim does not cache). */
export interface CircuitBreakerOptions {
  /** Milliseconds before a call fails with `ETIMEDOUT`; `false` or 0 for none. @defaultValue 10000 */
  timeout?: number | false;
  /** Deprecated in opossum; logged, otherwise ignored. */
  maxFailures?: number;
  /** Milliseconds the breaker stays open before it half-opens. @defaultValue 30000 */
  resetTimeout?: number;
  /** Milliseconds the rolling window spans. @defaultValue 10000 */
  rollingCountTimeout?: number;
  /** Buckets in the rolling window. @defaultValue 10 */
  rollingCountBuckets?: number;
  /** Breaker name. @defaultValue the action's name, else a random UUID */
  name?: string;
  /** Group name. @defaultValue the name */
  group?: string;
  /** Whether latency percentiles are computed. @defaultValue true */
  rollingPercentilesEnabled?: boolean;
  /** Calls that may run at once; beyond, `ESEMLOCKED`. @defaultValue Number.MAX_SAFE_INTEGER */
  capacity?: number;
  /** The breaker opens when failures / fires × 100 is greater than this. @defaultValue 50 */
  errorThresholdPercentage?: number;
  /** Whether the breaker starts enabled. @defaultValue true */
  enabled?: boolean;
  /** Do not open during the first `rollingCountTimeout`. @defaultValue false */
  allowWarmUp?: boolean;
  /** Fires in the window below which the breaker never opens. @defaultValue 0 */
  volumeThreshold?: number;
  /** An error for which this returns true counts as a success and is not a failure. @defaultValue () => false */
  // `any`, as @types/opossum has it: filters written against it read properties of the error unchecked.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  errorFilter?: (error: any, ...args: any[]) => boolean;
  /** Aborted when a call times out. */
  abortController?: AbortController;
  /** Make a new `abortController` when the breaker half-opens or closes after one was aborted. */
  autoRenewAbortController?: boolean;
  /** Whether `snapshot` events are emitted. @defaultValue true */
  enableSnapshots?: boolean;
  /** An emitter whose `rotate` events rotate the window instead of a timer. */
  rotateBucketController?: RotateBucketController;
  /** A `Status` or plain stats to start from. */
  status?: Status | Partial<Stats>;
  /** A state from `toJSON().state` to start from. */
  state?: CircuitBreakerState;
  /** Refused: the shim does not cache (opossum's cache option). */
  cache?: boolean;
  /** Refused: the shim does not coalesce (opossum's coalesce option). */
  coalesce?: boolean;
  /** Kept for code that sets it; the shim does not cache. @defaultValue 0 */
  cacheTTL?: number;
  /** Kept for code that sets it; the shim does not coalesce. @defaultValue the timeout */
  coalesceTTL?: number | false;
  [option: string]: unknown;
}

/** The state part of `toJSON()`, also accepted as `options.state`. */
export interface CircuitBreakerState {
  name?: string;
  enabled?: boolean;
  closed?: boolean;
  open?: boolean;
  halfOpen?: boolean;
  warmUp?: boolean;
  shutdown?: boolean;
  lastTimerAt?: number;
}

type Action<TI extends unknown[], TR> = ((...args: TI) => TR | PromiseLike<TR>) | TR;

/** An error the breaker made itself, with opossum's `code`. */
export interface CircuitBreakerError extends Error {
  code: 'EOPENBREAKER' | 'ETIMEDOUT' | 'ESEMLOCKED' | 'ESHUTDOWN';
}

const OUR_ERROR = Symbol.for('breakwater.compat.opossum.error');
const UNLIMITED = Number.MAX_SAFE_INTEGER;

type BreakerState = 'closed' | 'open' | 'halfOpen' | 'shutdown';

/** opossum's timers read the global timers and `Date` at call time, so fake timers drive them. */
const dateClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

function buildError(message: string, code: CircuitBreakerError['code']): CircuitBreakerError {
  const error = new Error(message) as CircuitBreakerError;
  error.code = code;
  (error as unknown as Record<symbol, boolean>)[OUR_ERROR] = true;
  return error;
}

function uuid(): string {
  return 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, (c) => {
    const r = (Math.random() * 16) | 0;
    return (c === 'x' ? r : (r & 0x3) | 0x8).toString(16);
  });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function describeValue(value: unknown): string {
  return typeof value === 'string'
    ? JSON.stringify(value)
    : typeof value === 'object' && value !== null
      ? 'an object'
      : String(value);
}

/** A numeric option: absent, or a finite number >= 0 (opossum takes NaN and strings and misbehaves later). */
function finiteOption(name: string, value: unknown): void {
  if (value === undefined) return;
  const message = `opossum: options.${name} must be a finite number >= 0, got ${describeValue(value)}`;
  if (typeof value !== 'number') throw new TypeError(message);
  if (!Number.isFinite(value) || value < 0) throw new RangeError(message);
}

/**
 * opossum's circuit breaker: wraps `action`; `fire(...args)` calls it unless the breaker is open.
 *
 * @example
 * import CircuitBreaker from 'breakwater/compat/opossum';
 * const breaker = new CircuitBreaker(fetchUser, { timeout: 3000, errorThresholdPercentage: 50, resetTimeout: 30000 });
 * breaker.fallback(() => ({ name: 'guest' }));
 * const user = await breaker.fire(42);
 */
class CircuitBreaker<TI extends unknown[] = unknown[], TR = unknown> extends EventEmitter {
  /** The options, with every default filled in (the object given, as opossum does). */
  readonly options: CircuitBreakerOptions & {
    timeout: number | false;
    resetTimeout: number;
    errorThresholdPercentage: number;
    rollingCountTimeout: number;
    rollingCountBuckets: number;
    rollingPercentilesEnabled: boolean;
    capacity: number;
    errorFilter: (error: unknown, ...args: unknown[]) => boolean;
    enableSnapshots: boolean;
  };
  /** The wrapped function. */
  readonly action: (...args: TI) => TR | PromiseLike<TR>;
  /** The semaphore's view: `count` is the places free. */
  readonly semaphore: { readonly count: number };
  private state: BreakerState = 'closed';
  private pending = false;
  private on_ = true;
  private warming: boolean;
  private readonly volume: number;
  private readonly ownName: string;
  private readonly ownGroup: string;
  private readonly ownStatus: Status;
  private fallbackFn: ((...args: unknown[]) => unknown) | undefined;
  private resetTimer: ReturnType<typeof setTimeout> | undefined;
  private warmTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly healthTimers: ReturnType<typeof setInterval>[] = [];
  private lastTimerAt: number | undefined;
  private readonly guard: Policy | undefined;
  private readonly limiter: ReturnType<typeof bulkhead> | undefined;
  private running = 0;

  /** Whether `error` was made by a breaker (open, timeout, semaphore, shutdown). */
  static isOurError(error: unknown): boolean {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[OUR_ERROR] === true;
  }

  /** A new `Status` window with these options, to share or hydrate. */
  static newStatus(options: StatusOptions): Status {
    return new Status(options);
  }

  constructor(action: Action<TI, TR>, options: CircuitBreakerOptions = {}) {
    super();
    if (
      action === undefined ||
      action === null ||
      (action as unknown) === false ||
      (action as unknown) === '' ||
      (action as unknown) === 0
    ) {
      throw new TypeError('No action provided. Cannot construct a CircuitBreaker without an invocable action.');
    }
    if (typeof options !== 'object' || options === null)
      throw new TypeError(`opossum: options must be an object, got ${String(options)}`);
    if (options.cache)
      throw new TypeError(
        'opossum: options.cache is not supported by breakwater/compat/opossum (use breakwater/cache)',
      );
    if (options.coalesce)
      throw new TypeError('opossum: options.coalesce is not supported by breakwater/compat/opossum');
    if (options.timeout !== false) finiteOption('timeout', options.timeout);
    for (const name of [
      'resetTimeout',
      'errorThresholdPercentage',
      'rollingCountTimeout',
      'rollingCountBuckets',
      'cacheTTL',
      'coalesceTTL',
    ] as const) {
      finiteOption(name, options[name]);
    }
    if (options.capacity !== undefined) {
      // opossum silently ignores a capacity that is not an integer and, at 0, rejects every call.
      if (typeof options.capacity !== 'number')
        throw new TypeError(`opossum: options.capacity must be an integer >= 1, got ${typeof options.capacity}`);
      if (!Number.isInteger(options.capacity) || options.capacity < 1) {
        throw new RangeError(`opossum: options.capacity must be an integer >= 1, got ${options.capacity}`);
      }
    }
    if (options.errorFilter !== undefined && typeof options.errorFilter !== 'function') {
      throw new TypeError(`opossum: options.errorFilter must be a function, got ${typeof options.errorFilter}`);
    }
    const o = options as CircuitBreaker['options'];
    o.timeout = options.timeout ?? 10_000;
    o.resetTimeout = options.resetTimeout ?? 30_000;
    o.errorThresholdPercentage = options.errorThresholdPercentage ?? 50;
    o.rollingCountTimeout = options.rollingCountTimeout ?? 10_000;
    o.rollingCountBuckets = options.rollingCountBuckets ?? 10;
    o.rollingPercentilesEnabled = options.rollingPercentilesEnabled !== false;
    o.capacity = Number.isInteger(options.capacity) ? (options.capacity as number) : UNLIMITED;
    o.errorFilter = (options.errorFilter as typeof o.errorFilter | undefined) || (() => false);
    o.enableSnapshots = options.enableSnapshots !== false;
    o.cacheTTL = options.cacheTTL ?? 0;
    o.coalesce = false;
    o.coalesceTTL = options.coalesceTTL ?? o.timeout;
    this.options = o;
    if (options.autoRenewAbortController && !options.abortController) options.abortController = new AbortController();
    if (options.abortController && typeof options.abortController.abort !== 'function') {
      throw new TypeError('AbortController does not contain `abort()` method');
    }
    this.volume = Number.isInteger(options.volumeThreshold) ? (options.volumeThreshold as number) : 0;
    this.warming = options.allowWarmUp === true;

    // breakwater's policies do the per-call work: the bulkhead outside, so a
    // timed-out call frees its place at the deadline as opossum's semaphore does.
    const steps: Policy[] = [];
    if (o.capacity !== UNLIMITED) {
      this.limiter = bulkhead({ maxConcurrent: o.capacity, maxQueue: 0, clock: dateClock });
      steps.push(this.limiter);
    }
    if (o.timeout) steps.push(timeout(o.timeout, { clock: dateClock }));
    this.guard = steps.length === 0 ? undefined : steps.length === 1 ? steps[0] : pipeline(...steps);
    const capacity = o.capacity;
    const inUse = (): number => (this.limiter ? this.limiter.active : this.running);
    this.semaphore = {
      get count(): number {
        return capacity - inUse();
      },
    };

    if (o.status) {
      // As opossum does: plain stats start a window of the default size.
      this.ownStatus = o.status instanceof Status ? o.status : new Status({ stats: o.status });
    } else {
      this.ownStatus = new Status(o);
    }

    const state = options.state;
    let startState: 'closed' | 'open' | 'halfOpen' | 'shutdown' = 'closed';
    if (state) {
      this.on_ = state.enabled !== false;
      this.warming = state.warmUp || this.warming;
      const closed = state.closed !== false;
      const half = state.halfOpen || false;
      this.pending = half;
      startState = state.shutdown ? 'shutdown' : closed ? 'closed' : half ? 'halfOpen' : 'open';
    } else {
      this.on_ = options.enabled !== false;
    }
    this.ownName = options.name || (typeof action === 'function' ? action.name : '') || uuid();
    this.ownGroup = options.group || this.ownName;
    if (this.warming) {
      this.warmTimer = setTimeout(() => (this.warming = false), o.rollingCountTimeout);
      unref(this.warmTimer);
    }
    this.action = typeof action === 'function' ? (action as (...args: TI) => TR) : () => action as TR;
    if (options.maxFailures)
      console.error('options.maxFailures is deprecated. Please use options.errorThresholdPercentage');

    const status = this.ownStatus;
    const count =
      (property: Parameters<Status['increment']>[0]) =>
      (_result?: unknown, runTime?: number): void =>
        status.increment(property, runTime);
    this.on('success', count('successes'));
    this.on('failure', count('failures'));
    this.on('fallback', count('fallbacks'));
    this.on('timeout', count('timeouts'));
    this.on('fire', count('fires'));
    this.on('reject', count('rejects'));
    this.on('cacheHit', count('cacheHits'));
    this.on('cacheMiss', count('cacheMisses'));
    this.on('coalesceCacheHit', count('coalesceCacheHits'));
    this.on('coalesceCacheMiss', count('coalesceCacheMisses'));
    this.on('open', () => status.open());
    this.on('close', () => status.close());
    this.on('semaphoreLocked', count('semaphoreRejections'));
    this.on('open', () => this.startResetTimer());
    this.on('success', () => {
      if (this.halfOpen) this.close();
    });

    if (startState === 'shutdown') {
      this.state = 'shutdown';
      this.shutdown();
    } else if (startState === 'closed') {
      this.close();
    } else if (startState === 'open') {
      const at = state?.lastTimerAt;
      if (at !== undefined && Date.now() - at > o.resetTimeout) this.toHalfOpen();
      else this.open();
    } else {
      this.state = 'halfOpen';
    }
  }

  private startResetTimer(): void {
    this.lastTimerAt = Date.now();
    this.resetTimer = setTimeout(() => this.toHalfOpen(), this.options.resetTimeout);
    unref(this.resetTimer);
  }

  private toHalfOpen(): void {
    this.state = 'halfOpen';
    this.pending = true;
    this.renewAbortController();
    this.emit('halfOpen', this.options.resetTimeout);
  }

  private renewAbortController(): void {
    const o = this.options;
    if (o.autoRenewAbortController && o.abortController && o.abortController.signal.aborted)
      o.abortController = new AbortController();
  }

  /** Closes the breaker: calls run again. Emits `close` when it was not closed. */
  close(): void {
    if (this.state !== 'closed') {
      if (this.resetTimer !== undefined) clearTimeout(this.resetTimer);
      this.state = 'closed';
      this.pending = false;
      this.renewAbortController();
      this.emit('close');
    }
  }

  /** Opens the breaker: calls fail fast until `resetTimeout` passes. Emits `open` when it was not open. */
  open(): void {
    if (this.state !== 'open') {
      this.state = 'open';
      this.pending = false;
      this.emit('open');
    }
  }

  /** Disables the breaker for good: clears every timer, removes every listener; `fire` rejects with `ESHUTDOWN`. */
  shutdown(): void {
    this.emit('shutdown');
    this.disable();
    this.removeAllListeners();
    if (this.resetTimer !== undefined) clearTimeout(this.resetTimer);
    if (this.warmTimer !== undefined) clearTimeout(this.warmTimer);
    for (const t of this.healthTimers) clearInterval(t);
    this.healthTimers.length = 0;
    this.ownStatus.shutdown();
    this.state = 'shutdown';
  }

  /** Whether `shutdown()` was called. */
  get isShutdown(): boolean {
    return this.state === 'shutdown';
  }
  /** The breaker's name. */
  get name(): string {
    return this.ownName;
  }
  /** The breaker's group. */
  get group(): string {
    return this.ownGroup;
  }
  /** True while half-open and no trial call has started. */
  get pendingClose(): boolean {
    return this.pending;
  }
  /** Whether the breaker is closed. */
  get closed(): boolean {
    return this.state === 'closed';
  }
  /** Whether the breaker is open. */
  get opened(): boolean {
    return this.state === 'open';
  }
  /** Whether the breaker is half-open. */
  get halfOpen(): boolean {
    return this.state === 'halfOpen';
  }
  /** The rolling window. */
  get status(): Status {
    return this.ownStatus;
  }
  /** The rolling window's totals. */
  get stats(): Stats {
    return this.ownStatus.stats;
  }
  /** Whether the breaker is enabled. */
  get enabled(): boolean {
    return this.on_;
  }
  /** Whether the breaker is still warming up. */
  get warmUp(): boolean {
    return this.warming;
  }
  /** Fires in the window below which the breaker never opens. */
  get volumeThreshold(): number {
    return this.volume;
  }

  /** The state and stats as JSON; `state` hydrates a new breaker through `options.state`. */
  toJSON(): { state: CircuitBreakerState & { name: string }; status: Stats } {
    return {
      state: {
        name: this.name,
        enabled: this.enabled,
        closed: this.closed,
        open: this.opened,
        halfOpen: this.halfOpen,
        warmUp: this.warmUp,
        shutdown: this.isShutdown,
        lastTimerAt: this.lastTimerAt,
      },
      status: this.status.stats,
    };
  }

  /** Sets what a failed or rejected call resolves with: a function of the call's arguments and error, or another breaker. */
  fallback(func: ((...args: never[]) => unknown) | CircuitBreaker<never[], unknown>): this {
    if (func instanceof CircuitBreaker) {
      const other = func;
      this.fallbackFn = (...args: unknown[]) => other.fire(...(args as never[]));
    } else if (typeof func === 'function') {
      this.fallbackFn = func as (...args: unknown[]) => unknown;
    } else {
      throw new TypeError(
        `opossum: fallback must be a function or a CircuitBreaker, got ${func === null ? 'null' : typeof func}`,
      );
    }
    return this;
  }

  /** Calls the action with `args` through the breaker. */
  fire(...args: TI): Promise<TR> {
    return this.call(this.action, ...args);
  }

  /** Calls the action with `this` bound to `context`. */
  call(context: unknown, ...rest: TI): Promise<TR> {
    if (this.state === 'shutdown') return Promise.reject(buildError('The circuit has been shutdown.', 'ESHUTDOWN'));
    const args = rest.slice() as unknown as TI;
    this.emit('fire', args);
    if (!this.on_) {
      const result = this.action.apply(context, args);
      return (isThenable(result) ? result : Promise.resolve(result)) as Promise<TR>;
    }
    if (this.state !== 'closed' && !this.pending) {
      const error = buildError('Breaker is open', 'EOPENBREAKER');
      this.emit('reject', error);
      return (this.runFallback(error, args) || Promise.reject(error)) as Promise<TR>;
    }
    this.pending = false;
    const started = Date.now();
    const action = this.action;
    const run = (): TR | PromiseLike<TR> => action.apply(context, args);
    return new Promise<TR>((resolve, reject) => {
      const onValue = (value: TR): void => {
        this.emit('success', value, Date.now() - started);
        resolve(value);
      };
      const onError = (error: unknown): void => this.handleRejection(error, args, started, resolve, reject);
      const guard = this.guard;
      if (guard === undefined) {
        this.running++;
        let result: TR | PromiseLike<TR>;
        try {
          result = run();
        } catch (error) {
          this.running--;
          this.handleError(error, args, Date.now() - started, resolve, reject);
          return;
        }
        Promise.resolve(result).then(
          (value) => {
            this.running--;
            onValue(value);
          },
          (error: unknown) => {
            this.running--;
            this.handleError(error, args, Date.now() - started, resolve, reject);
          },
        );
        return;
      }
      guard.execute(run).then(onValue as (value: Awaited<TR>) => void, onError);
    });
  }

  /** What breakwater's policies rejected with, in opossum's words. */
  private handleRejection(
    error: unknown,
    args: TI,
    started: number,
    resolve: (v: TR) => void,
    reject: (e: unknown) => void,
  ): void {
    const latency = Date.now() - started;
    if (isTimeoutError(error) && error.executed !== false && (error as { ms?: number }).ms === this.options.timeout) {
      const ours = buildError(`Timed out after ${String(this.options.timeout)}ms`, 'ETIMEDOUT');
      this.emit('timeout', ours, latency, args);
      this.handleError(ours, args, latency, resolve, reject);
      this.options.abortController?.abort();
      return;
    }
    if (isBulkheadRejectedError(error) && this.limiter !== undefined) {
      const ours = buildError('Semaphore locked', 'ESEMLOCKED');
      this.emit('semaphoreLocked', ours, latency);
      this.handleError(ours, args, latency, resolve, reject);
      return;
    }
    this.handleError(error, args, latency, resolve, reject);
  }

  private handleError(
    error: unknown,
    args: TI,
    latency: number,
    resolve: (v: TR) => void,
    reject: (e: unknown) => void,
  ): void {
    if (this.options.errorFilter(error, ...args)) {
      this.emit('success', error, latency);
    } else {
      this.fail(error, args, latency);
      const fb = this.runFallback(error, args);
      if (fb) {
        resolve(fb as unknown as TR);
        return;
      }
    }
    reject(error);
  }

  private fail(error: unknown, args: TI, latency: number): void {
    this.emit('failure', error, latency, args);
    if (this.warming) return;
    const half = this.halfOpen;
    const status = this.ownStatus;
    const fires = status.total('fires');
    if (fires < this.volume && !half) return;
    if (half || (status.total('failures') / fires) * 100 > this.options.errorThresholdPercentage) this.open();
  }

  private runFallback(error: unknown, args: TI): Promise<unknown> | undefined {
    const fb = this.fallbackFn;
    if (fb === undefined) return undefined;
    try {
      const result = fb.apply(fb, [...args, error]);
      this.emit('fallback', result, error);
      return result instanceof Promise ? result : Promise.resolve(result);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Does nothing: the shim has no cache (kept so code that calls it still runs). */
  clearCache(): void {}

  /** Runs `func` now and every `interval` ms (default 5000); a rejection emits `healthCheckFailed` and opens the breaker. */
  healthCheck(func: () => PromiseLike<unknown>, interval?: number): void {
    const every = interval || 5000;
    if (typeof func !== 'function') throw new TypeError('Health check function must be a function');
    if (isNaN(every)) throw new TypeError('Health check interval must be a number');
    const check = (): void => {
      Promise.resolve(func.apply(this)).then(undefined, (e: unknown) => {
        this.emit('healthCheckFailed', e);
        this.open();
      });
    };
    const timer = setInterval(check, every);
    unref(timer);
    this.healthTimers.push(timer);
    check();
  }

  /** Turns the breaker on again. */
  enable(): void {
    this.on_ = true;
    this.ownStatus.startListeneningForRotateEvent();
  }

  /** Turns the breaker off: calls go straight to the action. */
  disable(): void {
    this.on_ = false;
    this.ownStatus.removeRotateBucketControllerListener();
  }

  /** The `abortController`'s signal, if one was given. */
  getSignal(): AbortSignal | undefined {
    return this.options.abortController?.signal;
  }

  /** The `abortController`, if one was given. */
  getAbortController(): AbortController | undefined {
    return this.options.abortController;
  }
}

// opossum's types: `CircuitBreaker.Options` and friends, as @types/opossum names them.
// eslint-disable-next-line @typescript-eslint/no-namespace
declare namespace CircuitBreaker {
  /** opossum's options (`TI`, the action's arguments, as @types/opossum has it). */
  export type Options<TI extends unknown[] = unknown[]> = CircuitBreakerOptions & {
    cacheGetKey?: (...args: TI) => string;
  };
  /** The rolling window's totals. */
  export type Stats = import('./status.js').Stats;
  /** The rolling window. */
  export type Status = import('./status.js').Status;
  /** What `Status` and `CircuitBreaker.newStatus` accept. */
  export type StatusOptions = import('./status.js').StatusOptions;
  /** One bucket of the window. */
  export type Bucket = import('./status.js').Bucket;
  /** The buckets, newest first. */
  export type Window = import('./status.js').Bucket[];
  /** The state part of `toJSON()`. */
  export type State = CircuitBreakerState;
}

export default CircuitBreaker;
