import type { Clock } from '../../core/clock.js';
import type { AbortSubscriber, CallContext } from '../../core/context.js';
import { isBrokenCircuitError, isIsolatedCircuitError, provesNotExecuted } from '../../core/errors.js';
import { callIsolated, emitBreakwaterWarning, reportCallbackError } from '../../core/events.js';
import { invoke, type Outcome, PolicyBase, type PolicyFunction, RUN } from '../../core/policy.js';
import { isRetryBudget, type RetryBudget } from '../../core/retry-budget.js';
import { type OptionNames, integerAtLeast, isBoolean, isFunction, optionsObject } from '../../core/validate.js';
import { RETRY_PEER_NAMES } from '../../core/peer-names.js';
import { type Backoff, exponential } from './backoff.js';
import { DEFAULT_IDEMPOTENT, DEFAULT_MAX_ATTEMPTS, MAX_SLEEP_MS, RETRY_KIND } from './constants.js';
import type { RetryBlockedReason, RetryEvents } from './events.js';
import { hasNotExecutedCode, retryAfterOf } from './guard.js';
import type { RetryOptions } from './options.js';

type Predicate = (value: unknown) => boolean;

function outcomeOf(ok: boolean, result: unknown): Outcome {
  return ok ? { ok: true, value: result } : { ok: false, error: result };
}

/** An open or isolated breaker's refusal: by default not retried, so the caller fails fast. */
function isOpenCircuit(error: unknown): boolean {
  return isBrokenCircuitError(error) || isIsolatedCircuitError(error);
}

/**
 * The warning a retry policy gives once when it did not retry a call because
 * the call is not idempotent and nobody listens to `retryBlocked`.
 */
class BreakwaterRetryWarning extends Error {
  readonly code = 'BREAKWATER_RETRY_NOT_IDEMPOTENT';

  constructor(message: string) {
    super(message);
    // Named here, not on the prototype at load, so the module has no side effect.
    Object.defineProperty(this, 'name', { value: 'BreakwaterRetryWarning', writable: true, configurable: true });
  }
}

/**
 * A policy that runs a call again after a failure, when that is safe.
 * Made by {@link retry}.
 */
export class RetryPolicy extends PolicyBase<RetryEvents> {
  declare readonly kind: 'retry';
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  /** The delay before each next attempt. */
  readonly backoff: Backoff;
  /** The default for calls that do not pass `idempotent`. */
  readonly idempotent: boolean;
  /** The shared retry budget, if any. */
  readonly budget: RetryBudget | undefined;
  /** The caller's `retryOn`; undefined means the default (errors, never values). @internal */
  readonly retryOn: ((outcome: Outcome) => boolean) | undefined;
  /** @internal */
  readonly notExecuted: Predicate;
  /** @internal */
  readonly onDiscard: ((value: unknown) => void) | undefined;
  /** @internal */
  readonly random: () => number;
  /** Warn (once) about a call not retried because it is not idempotent. @internal */
  private warnNotIdempotent: boolean;

  constructor(options: RetryOptions) {
    super(RETRY_KIND, options);
    this.maxAttempts =
      options.maxAttempts === undefined
        ? DEFAULT_MAX_ATTEMPTS
        : integerAtLeast(RETRY_KIND, 'maxAttempts', options.maxAttempts, 1, true);
    this.backoff =
      options.backoff === undefined ? exponential() : isFunction<Backoff>(RETRY_KIND, 'backoff', options.backoff);
    this.retryOn =
      options.retryOn === undefined
        ? undefined
        : isFunction<(o: Outcome) => boolean>(RETRY_KIND, 'retryOn', options.retryOn);
    this.idempotent =
      options.idempotent === undefined ? DEFAULT_IDEMPOTENT : isBoolean(RETRY_KIND, 'idempotent', options.idempotent);
    this.notExecuted =
      options.notExecuted === undefined
        ? hasNotExecutedCode
        : isFunction<Predicate>(RETRY_KIND, 'notExecuted', options.notExecuted);
    this.budget = options.budget === undefined ? undefined : isRetryBudget(RETRY_KIND, options.budget);
    this.onDiscard =
      options.onDiscard === undefined
        ? undefined
        : isFunction<(value: unknown) => void>(RETRY_KIND, 'onDiscard', options.onDiscard);
    this.random =
      options.random === undefined ? Math.random : isFunction<() => number>(RETRY_KIND, 'random', options.random);
    this.warnNotIdempotent =
      options.warnNotIdempotent === undefined
        ? true
        : isBoolean(RETRY_KIND, 'warnNotIdempotent', options.warnNotIdempotent);
  }

  /** @internal */
  [RUN]<T>(fn: PolicyFunction<T>, ctx: CallContext): Promise<Awaited<T>> {
    if (ctx.scope.aborted) return Promise.reject(ctx.scope.reason);
    const budget = this.budget;
    if (budget !== undefined) {
      try {
        budget.deposit();
      } catch (error) {
        return Promise.reject(error); // execute never throws synchronously
      }
    }
    const option = ctx.call.idempotentOption;
    const idempotent = option === undefined ? this.idempotent : option;
    const first = ctx.attempt === 1 && ctx.idempotent === idempotent ? ctx : ctx.forAttempt(1, idempotent);
    if (this.retryOn !== undefined || this.hasListener('attempt')) {
      // Values may be retried, or attempts are timed: the full loop from the start.
      return new Promise<Awaited<T>>((resolve, reject) => {
        new RetryLoop<T>(this, this.clock, fn, ctx, first, resolve, reject).start();
      });
    }
    // The common case: errors only, nobody timing attempts. Success costs one
    // `then`; the loop is built only after a failure.
    return invoke(fn, first).then(
      undefined,
      (error: unknown) =>
        new Promise<Awaited<T>>((resolve, reject) => {
          new RetryLoop<T>(this, this.clock, fn, ctx, first, resolve, reject).settled(false, error);
        }),
    );
  }

  /** @internal */
  hears(event: keyof RetryEvents): boolean {
    return this.hasListener(event);
  }

  /** @internal */
  reportAttempt(ctx: CallContext, attempt: number, durationMs: number, outcome: Outcome): void {
    this.emitEvent('attempt', ctx, { attempt, durationMs, outcome });
  }

  /** @internal */
  reportRetry(ctx: CallContext, attempt: number, delay: number, ok: boolean, result: unknown): void {
    if (this.hasListener('retry')) this.emitEvent('retry', ctx, { attempt, delay, outcome: outcomeOf(ok, result) });
  }

  /** @internal */
  reportGiveUp(ctx: CallContext, attempts: number, ok: boolean, result: unknown): void {
    if (this.hasListener('giveUp')) this.emitEvent('giveUp', ctx, { attempts, outcome: outcomeOf(ok, result) });
  }

  /** @internal */
  reportBlocked(ctx: CallContext, reason: RetryBlockedReason, attempt: number): void {
    if (reason === 'not-idempotent' && this.warnNotIdempotent && !this.listens('retryBlocked')) {
      this.warnNotIdempotent = false;
      emitBreakwaterWarning(
        new BreakwaterRetryWarning(
          `breakwater: retry policy "${this.name}" did not retry a failed call because the call is not idempotent. ` +
            'If running it twice is safe, pass { idempotent: true } to execute (or idempotent: true to retry()) and send ' +
            "ctx.idempotencyKey to the server; to keep it, listen to 'retryBlocked' or set warnNotIdempotent: false. " +
            'This warning is given once per policy.',
        ),
      );
    }
    this.emitEvent('retryBlocked', ctx, { reason, attempt });
  }

  /** `retryOn` for this outcome; a throwing one is reported and counts as false. @internal */
  accepts(ok: boolean, result: unknown): boolean {
    const retryOn = this.retryOn;
    if (retryOn === undefined) return !ok && !isOpenCircuit(result);
    try {
      return Boolean(retryOn(outcomeOf(ok, result)));
    } catch (error) {
      reportCallbackError(error, this.name, 'retryOn', 'treated as false');
      return false;
    }
  }

  /** Whether `error` proves the attempt never started; a throwing `notExecuted` is reported and counts as false. @internal */
  neverStarted(error: unknown): boolean {
    if (provesNotExecuted(error)) return true;
    try {
      return Boolean(this.notExecuted(error));
    } catch (thrown) {
      reportCallbackError(thrown, this.name, 'notExecuted', 'treated as false');
      return false;
    }
  }

  /** Hands a value that a retry throws away to `onDiscard`; its throw never reaches the call. @internal */
  discard(value: unknown): void {
    callIsolated(this.onDiscard, value, this.name, 'onDiscard');
  }
}

/**
 * The attempts of one call after the first has to be looked at. It sleeps
 * between attempts through the clock and listens to the enclosing scope only
 * while it sleeps; the wake-up and the abort both clear the timer and
 * unsubscribe, each exactly once.
 */
class RetryLoop<T> implements AbortSubscriber {
  private readonly policy: RetryPolicy;
  private readonly clock: Clock;
  private readonly fn: PolicyFunction<T>;
  private readonly parent: CallContext;
  private readonly idempotent: boolean;
  private readonly resolve: (value: Awaited<T>) => void;
  private readonly reject: (error: unknown) => void;
  /** The attempt that runs or last ran. */
  private attempt = 1;
  /** The backoff's previous result. */
  private previous = 0;
  /** When the running attempt started, if someone was timing attempts then. */
  private startedAt: number | undefined = undefined;
  private current: CallContext;
  private timer: unknown = undefined;
  private sleeping = false;

  constructor(
    policy: RetryPolicy,
    clock: Clock,
    fn: PolicyFunction<T>,
    parent: CallContext,
    first: CallContext,
    resolve: (value: Awaited<T>) => void,
    reject: (error: unknown) => void,
  ) {
    this.policy = policy;
    this.clock = clock;
    this.fn = fn;
    this.parent = parent;
    this.idempotent = first.idempotent;
    this.resolve = resolve;
    this.reject = reject;
    this.current = first;
  }

  /** Runs the first attempt with the context the policy built. */
  start(): void {
    this.run(1, this.current);
  }

  private run(attempt: number, ctx: CallContext): void {
    const scope = this.parent.scope;
    if (scope.aborted) {
      this.reject(scope.reason);
      return;
    }
    this.attempt = attempt;
    this.current = ctx;
    this.startedAt = this.policy.hears('attempt') ? this.clock.now() : undefined;
    invoke(this.fn, ctx).then(this.onValue, this.onError);
  }

  private readonly onValue = (value: Awaited<T>): void => this.settled(true, value);
  private readonly onError = (error: unknown): void => this.settled(false, error);

  /** An attempt settled: finish the call, or sleep and run the next one. */
  settled(ok: boolean, result: unknown): void {
    const policy = this.policy;
    const startedAt = this.startedAt;
    if (startedAt !== undefined && policy.hears('attempt')) {
      policy.reportAttempt(this.current, this.attempt, this.clock.now() - startedAt, outcomeOf(ok, result));
    }
    const scope = this.parent.scope;
    if (scope.aborted) {
      // Nothing is retried after the caller's abort; a finished value is kept.
      if (ok) this.resolve(result as Awaited<T>);
      else this.reject(scope.reason);
      return;
    }
    let delay: number;
    try {
      delay = this.nextDelay(ok, result);
    } catch (error) {
      // A throwing backoff is a bug the caller must see (retryOn and notExecuted are reported and count as false).
      this.reject(error);
      return;
    }
    if (delay < 0) {
      if (ok) this.resolve(result as Awaited<T>);
      else this.reject(result);
      return;
    }
    if (ok) policy.discard(result);
    policy.reportRetry(this.current, this.attempt, delay, ok, result);
    this.sleep(delay);
  }

  /** The delay before the next attempt, or -1 when this outcome is the call's outcome. */
  private nextDelay(ok: boolean, result: unknown): number {
    const policy = this.policy;
    if (!policy.accepts(ok, result)) return -1;
    const attempt = this.attempt;
    const ctx = this.current;
    if (attempt >= policy.maxAttempts) {
      policy.reportGiveUp(ctx, attempt, ok, result);
      return -1;
    }
    // The idempotency guard: a value proves the attempt ran; an error may prove it never started.
    if (!this.idempotent && (ok || !policy.neverStarted(result))) {
      policy.reportBlocked(ctx, 'not-idempotent', attempt);
      return -1;
    }
    let delay = policy.backoff({ attempt, previous: this.previous, random: policy.random });
    delay = delay >= 0 ? (delay <= MAX_SLEEP_MS ? delay : MAX_SLEEP_MS) : 0;
    this.previous = delay;
    if (!ok) {
      const after = retryAfterOf(result);
      if (after > delay) delay = after <= MAX_SLEEP_MS ? after : MAX_SLEEP_MS;
    }
    const deadline = this.parent.deadline;
    if (deadline !== undefined && this.clock.now() + delay >= deadline) {
      policy.reportBlocked(ctx, 'deadline', attempt);
      return -1;
    }
    const budget = policy.budget;
    if (budget !== undefined && !budget.tryTake()) {
      policy.reportBlocked(ctx, 'budget', attempt);
      return -1;
    }
    return delay;
  }

  private sleep(delay: number): void {
    const scope = this.parent.scope;
    if (scope.aborted) {
      this.reject(scope.reason);
      return;
    }
    this.sleeping = true;
    scope.subscribe(this);
    try {
      this.timer = this.clock.setTimeout(this.wake, delay);
    } catch (error) {
      // A broken injected clock: end the call rather than leave it hanging.
      this.sleeping = false;
      scope.unsubscribe(this);
      this.reject(error);
    }
  }

  private readonly wake = (): void => {
    if (!this.sleeping) return;
    this.sleeping = false;
    this.timer = undefined;
    this.parent.scope.unsubscribe(this);
    const attempt = this.attempt + 1;
    this.run(attempt, this.parent.forAttempt(attempt, this.idempotent));
  };

  /** The enclosing scope aborted during the sleep: the caller's signal, or an enclosing timeout. */
  handleEvent(): void {
    if (!this.sleeping) return;
    this.sleeping = false;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const scope = this.parent.scope;
    scope.unsubscribe(this);
    this.reject(scope.reason);
  }
}

/** Every option name of RetryOptions; any other key is a TypeError. */
const RETRY_OPTIONS: OptionNames<RetryOptions> = {
  maxAttempts: true,
  backoff: true,
  retryOn: true,
  idempotent: true,
  notExecuted: true,
  budget: true,
  onDiscard: true,
  warnNotIdempotent: true,
  random: true,
  name: true,
  clock: true,
};

/**
 * Runs a call again after a failure, when that is safe: the call is
 * idempotent (`execute(fn, { idempotent: true })` or the policy's
 * `idempotent`), or its error proves the attempt never started
 * (`error.executed === false`, or `notExecuted(error)`). Sleeps between
 * attempts follow `backoff` (at least the error's `retryAfter`), end at once
 * on the caller's abort, and never run past `ctx.deadline`.
 *
 * @remarks
 * Gotchas: by default a call is NOT idempotent, so a failed POST is not run
 * again unless its error proves it never reached the server. Mark safe calls
 * `idempotent: true` and send `ctx.idempotencyKey` (the same on every
 * attempt) to the server. The last error is rethrown unchanged; when
 * attempts run out on a value that `retryOn` rejected, that value resolves.
 *
 * @example
 * ```ts
 * const policy = retry({ maxAttempts: 4, backoff: exponential({ initial: 200 }) });
 * const res = await policy.execute(
 *   ({ signal, idempotencyKey }) => fetch(url, { method: 'POST', signal, headers: { 'Idempotency-Key': idempotencyKey } }),
 *   { idempotent: true },
 * );
 * ```
 */
export function retry(options?: RetryOptions): RetryPolicy {
  return new RetryPolicy(optionsObject<RetryOptions>(RETRY_KIND, options, RETRY_OPTIONS, RETRY_PEER_NAMES));
}

export { constant, exponential, type Backoff, type BackoffInfo, type ExponentialOptions } from './backoff.js';
export type { RetryBlockedReason, RetryEvents } from './events.js';
export type { RetryOptions } from './options.js';
export {
  EXPONENTIAL_DEFAULTS,
  DEFAULT_IDEMPOTENT,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_NOT_EXECUTED_CODES,
  type Jitter,
} from './constants.js';
