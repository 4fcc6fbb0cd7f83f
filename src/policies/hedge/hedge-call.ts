import type { Clock } from '../../core/clock.js';
import { type AbortSubscriber, CallContext, ChildScope } from '../../core/context.js';
import { invoke, type PolicyFunction } from '../../core/policy.js';
import { HEDGE_LOST_MESSAGE } from './constants.js';
import type { RetryBudget } from '../../core/retry-budget.js';

/** What a hedged call needs from its policy (an interface, so this file does not import the policy's). */
export interface HedgeOwner {
  readonly delay: number;
  readonly maxHedged: number;
  readonly budget: RetryBudget | undefined;
  reportHedge(ctx: CallContext, attempt: number): void;
  reportAttempt(
    ctx: CallContext,
    scope: { readonly attempt: number; readonly startedAt: number },
    ok: boolean,
    result: unknown,
  ): void;
  discard(value: unknown): void;
}

/** One attempt of a hedged call: the scope its function's signal comes from. */
class AttemptScope extends ChildScope {
  readonly attempt: number;
  readonly startedAt: number;
  settled = false;

  constructor(attempt: number, startedAt: number) {
    super();
    this.attempt = attempt;
    this.startedAt = startedAt;
  }
}

/**
 * One idempotent call under a hedge. It listens to the parent scope once and
 * passes an abort on to every attempt's own scope; the hedge timer and that
 * subscription are removed in `finish`, the single exit.
 */
export class HedgeCall<T> implements AbortSubscriber {
  private readonly policy: HedgeOwner;
  private readonly clock: Clock;
  private readonly fn: PolicyFunction<T>;
  private readonly parent: CallContext;
  private readonly resolve: (value: Awaited<T>) => void;
  private readonly reject: (error: unknown) => void;
  private readonly attempts: AttemptScope[] = [];
  private readonly maxAttempts: number;
  private readonly onTimer: () => void;
  private timer: unknown = undefined;
  private running = 0;
  /** The budget refused a token: no further attempt starts. */
  private exhausted = false;
  /** `execute` has settled. */
  private done = false;

  constructor(
    policy: HedgeOwner,
    clock: Clock,
    fn: PolicyFunction<T>,
    parent: CallContext,
    resolve: (value: Awaited<T>) => void,
    reject: (error: unknown) => void,
  ) {
    this.policy = policy;
    this.clock = clock;
    this.fn = fn;
    this.parent = parent;
    this.resolve = resolve;
    this.reject = reject;
    this.maxAttempts = 1 + policy.maxHedged;
    this.onTimer = () => this.delayElapsed();
    parent.scope.subscribe(this);
    this.launch();
  }

  /** The parent scope aborted (the caller, or an enclosing timeout): reject with its reason and stop every attempt. */
  handleEvent(): void {
    if (this.done) return;
    this.done = true;
    this.finish();
    const reason = this.parent.scope.reason;
    this.abortRunning(reason);
    this.reject(reason);
  }

  private launch(): void {
    const policy = this.policy;
    const attempt = this.attempts.length + 1;
    const scope = new AttemptScope(attempt, this.clock.now());
    this.attempts.push(scope);
    this.running++;
    this.armTimer();
    const ctx = new CallContext(this.parent.call, scope, attempt, true, this.parent.deadline);
    if (attempt > 1) {
      policy.reportHedge(ctx, attempt);
      if (this.done) return; // a listener aborted the caller
    }
    invoke(this.fn, ctx).then(
      (value) => this.settle(scope, true, value),
      (error: unknown) => this.settle(scope, false, error),
    );
  }

  /** Restarts the hedge delay from the newest attempt, while attempts remain. */
  private armTimer(): void {
    const clock = this.clock;
    if (this.timer !== undefined) {
      clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.attempts.length < this.maxAttempts && !this.exhausted) {
      this.timer = clock.setTimeout(this.onTimer, this.policy.delay);
    }
  }

  private delayElapsed(): void {
    this.timer = undefined;
    if (!this.done) this.tryLaunch();
  }

  /** Starts the next attempt if one remains and the budget allows; false otherwise. */
  private tryLaunch(): boolean {
    if (this.exhausted || this.attempts.length >= this.maxAttempts) return false;
    const budget = this.policy.budget;
    if (budget !== undefined && !budget.tryTake()) {
      this.exhausted = true;
      this.armTimer(); // clears it
      return false;
    }
    this.launch();
    return true;
  }

  private settle(scope: AttemptScope, ok: boolean, result: unknown): void {
    scope.settled = true;
    this.running--;
    const policy = this.policy;
    policy.reportAttempt(this.parent, scope, ok, result);
    if (this.done) {
      if (ok) policy.discard(result);
      return;
    }
    if (ok) {
      this.done = true;
      this.finish();
      this.abortRunning(undefined);
      this.resolve(result as Awaited<T>);
      return;
    }
    if (this.tryLaunch()) return;
    if (this.running === 0) {
      this.done = true;
      this.finish();
      this.reject(result);
    }
  }

  /** Aborts every attempt still running; `reason` undefined means they lost the race. */
  private abortRunning(reason: unknown): void {
    if (this.running === 0) return;
    let why = reason;
    for (const scope of this.attempts) {
      if (scope.settled) continue;
      why ??= new DOMException(HEDGE_LOST_MESSAGE, 'AbortError');
      scope.abort(why);
    }
  }

  private finish(): void {
    if (this.timer !== undefined) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.parent.scope.unsubscribe(this);
  }
}
