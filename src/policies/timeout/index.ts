import { type AbortSubscriber, type CallContext, ChildScope } from '../../core/context.js';
import { armTimer, type Clock, disarmTimer } from '../../core/clock.js';
import { TimeoutError } from '../../core/errors.js';
import { invoke, PolicyBase, type PolicyFunction, RUN } from '../../core/policy.js';
import { promiseFor, type SettleTarget } from '../../core/settle-target.js';
import { type OptionNames, oneOf, optionsObject, positiveFinite } from '../../core/validate.js';
import { TIMEOUT_PEER_NAMES } from '../../core/peer-names.js';
import { DEFAULT_TIMEOUT_STRATEGY, TIMEOUT_KIND, TIMEOUT_STRATEGIES, type TimeoutStrategy } from './constants.js';
import type { TimeoutEvents } from './events.js';
import type { TimeoutOptions } from './options.js';

/** The longest delay the platform timers hold without overflowing (about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * A policy that bounds how long a call may take. Made by {@link timeout}.
 */
export class TimeoutPolicy extends PolicyBase<TimeoutEvents> {
  declare readonly kind: 'timeout';
  /** The limit in milliseconds. */
  readonly ms: number;
  /** What happens at the deadline. */
  readonly strategy: TimeoutStrategy;

  constructor(ms: number, options: TimeoutOptions) {
    super(TIMEOUT_KIND, options);
    this.ms = positiveFinite(TIMEOUT_KIND, 'ms', ms);
    if (ms > MAX_TIMER_MS) {
      throw new RangeError(`${TIMEOUT_KIND}: ms must be at most ${MAX_TIMER_MS} (about 24.8 days), got ${ms}`);
    }
    this.strategy =
      options.strategy === undefined
        ? DEFAULT_TIMEOUT_STRATEGY
        : oneOf(TIMEOUT_KIND, 'strategy', options.strategy, TIMEOUT_STRATEGIES);
  }

  /** @internal */
  [RUN]<T>(fn: PolicyFunction<T>, parent: CallContext): Promise<Awaited<T>> {
    if (parent.scope.aborted) return Promise.reject(parent.scope.reason);
    const call = new TimeoutCall(this, this.clock, parent);
    const result = promiseFor<Awaited<T>>(call);
    call.start(fn);
    return result;
  }

  /** @internal */
  reportTimeout(ctx: CallContext): void {
    this.emitEvent('timeout', ctx, { ms: this.ms });
  }
}

/**
 * One call under a timeout. It is the scope its function's signal comes from,
 * and it listens to its parent scope for the caller's abort. Every exit path
 * clears the timer and unsubscribes from the parent exactly once.
 */
class TimeoutCall extends ChildScope implements AbortSubscriber, SettleTarget {
  private readonly policy: TimeoutPolicy;
  private readonly clock: Clock;
  private readonly parent: CallContext;
  private ctx: CallContext | undefined = undefined;
  resolve: (value: unknown) => void = ignore;
  reject: (error: unknown) => void = ignore;
  private timer: unknown = undefined;
  /** The promise of `execute` has settled (or, cooperative, will only on the function). */
  private done = false;
  private timedOut: TimeoutError | undefined = undefined;
  private parentAborted = false;

  constructor(policy: TimeoutPolicy, clock: Clock, parent: CallContext) {
    super();
    this.policy = policy;
    this.clock = clock;
    this.parent = parent;
  }

  /** Arms the timer, listens to the parent and runs `fn`; its promise is already made. */
  start<T>(fn: PolicyFunction<T>): void {
    const clock = this.clock;
    const parent = this.parent;
    const ms = this.policy.ms;
    let deadline = clock.now() + ms;
    if (parent.deadline !== undefined && parent.deadline < deadline) deadline = parent.deadline;
    const ctx = parent.withScope(this, deadline);
    this.ctx = ctx;
    this.timer = armTimer(clock, fireTimeout, ms, this);
    parent.scope.subscribe(this);
    invoke(fn, ctx).then(
      (value) => this.settle(true, value),
      (error: unknown) => this.settle(false, error),
    );
  }

  /** The parent scope aborted: the caller's signal, or an enclosing timeout. */
  handleEvent(): void {
    if (this.done || this.parentAborted) return;
    this.parentAborted = true;
    const reason = this.parent.scope.reason;
    if (this.timedOut === undefined) disarmTimer(this.clock, this.timer);
    this.abort(reason);
    if (this.policy.strategy === 'aggressive') {
      this.finish();
      this.reject(reason);
    }
  }

  /** The deadline passed. */
  fire(): void {
    if (this.done) return;
    const error = new TimeoutError(this.policy.ms);
    this.timedOut = error;
    this.abort(error);
    if (this.policy.strategy === 'aggressive') {
      this.finish();
      this.reject(error);
    }
    this.policy.reportTimeout(this.ctx as CallContext);
  }

  private settle(ok: boolean, result: unknown): void {
    if (this.done) return;
    const timedOut = this.timedOut;
    if (timedOut === undefined && !this.parentAborted) disarmTimer(this.clock, this.timer);
    this.finish();
    if (this.parentAborted) this.reject(this.parent.scope.reason);
    else if (ok) this.resolve(result);
    else if (timedOut === undefined || result === timedOut) this.reject(result);
    else this.reject(new TimeoutError(this.policy.ms, { cause: result }));
  }

  private finish(): void {
    this.done = true;
    this.parent.scope.unsubscribe(this);
  }
}

function fireTimeout(call: TimeoutCall): void {
  call.fire();
}

function ignore(): void {}

/** Every option name of TimeoutOptions; any other key is a TypeError. */
const TIMEOUT_OPTIONS: OptionNames<TimeoutOptions> = { strategy: true, name: true, clock: true };

/**
 * Bounds how long a call may take. At the deadline `ctx.signal` aborts with a
 * `TimeoutError`; `execute` rejects with it at once (`'aggressive'`, the
 * default) or when the function settles (`'cooperative'`).
 *
 * @remarks
 * Gotchas: an aggressive timeout cannot stop work that ignores `ctx.signal`;
 * it only stops waiting for it. Pass the signal on. `ms` above 2,147,483,647
 * (the platform timer limit) is rejected.
 *
 * @param ms - the limit in milliseconds: a positive finite number.
 * @example
 * ```ts
 * const policy = timeout(2_000);
 * const res = await policy.execute(({ signal }) => fetch(url, { signal }));
 * ```
 */
export function timeout(ms: number, options?: TimeoutOptions): TimeoutPolicy {
  return new TimeoutPolicy(
    ms,
    optionsObject<TimeoutOptions>(TIMEOUT_KIND, options, TIMEOUT_OPTIONS, TIMEOUT_PEER_NAMES),
  );
}

export type { TimeoutEvents } from './events.js';
export type { TimeoutOptions } from './options.js';
export type { TimeoutStrategy } from './constants.js';
export { DEFAULT_TIMEOUT_STRATEGY } from './constants.js';
