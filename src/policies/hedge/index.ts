import type { CallContext } from '../../core/context.js';
import { callIsolated } from '../../core/events.js';
import { invoke, type Outcome, PolicyBase, type PolicyFunction, RUN } from '../../core/policy.js';
import { isRetryBudget, type RetryBudget } from '../../core/retry-budget.js';
import { timerDelay } from '../../core/timer-delay.js';
import { type OptionNames, integerAtLeast, isFunction, optionsObject } from '../../core/validate.js';
import { HEDGE_PEER_NAMES } from '../../core/peer-names.js';
import { DEFAULT_MAX_HEDGED, HEDGE_KIND } from './constants.js';
import type { HedgeEvents } from './events.js';
import { HedgeCall } from './hedge-call.js';
import type { HedgeOptions } from './options.js';

/**
 * A policy that races extra attempts against a slow one. Made by {@link hedge}.
 */
export class HedgePolicy extends PolicyBase<HedgeEvents> {
  declare readonly kind: 'hedge';
  /** Milliseconds before the next attempt starts. */
  readonly delay: number;
  /** Extra attempts at most. */
  readonly maxHedged: number;
  /** The shared budget extra attempts take tokens from, if any. */
  readonly budget: RetryBudget | undefined;
  private readonly onDiscard: ((value: unknown) => void) | undefined;

  constructor(options: Partial<HedgeOptions>) {
    super(HEDGE_KIND, options);
    this.delay = timerDelay(HEDGE_KIND, 'delay', options.delay, false);
    this.maxHedged =
      options.maxHedged === undefined
        ? DEFAULT_MAX_HEDGED
        : integerAtLeast(HEDGE_KIND, 'maxHedged', options.maxHedged, 1);
    this.budget = options.budget === undefined ? undefined : isRetryBudget(HEDGE_KIND, options.budget);
    this.onDiscard =
      options.onDiscard === undefined
        ? undefined
        : isFunction<(value: unknown) => void>(HEDGE_KIND, 'onDiscard', options.onDiscard);
  }

  /** @internal */
  [RUN]<T>(fn: PolicyFunction<T>, parent: CallContext): Promise<Awaited<T>> {
    if (parent.scope.aborted) return Promise.reject(parent.scope.reason);
    this.budget?.deposit();
    if (!parent.idempotent) {
      // Never hedged: run once, as it is.
      return this.listens('attempt') ? this.runOnce(fn, parent) : invoke(fn, parent);
    }
    return new Promise<Awaited<T>>((resolve, reject) => {
      new HedgeCall(this, this.clock, fn, parent, resolve, reject);
    });
  }

  private runOnce<T>(fn: PolicyFunction<T>, ctx: CallContext): Promise<Awaited<T>> {
    const startedAt = this.clock.now();
    return invoke(fn, ctx).then(
      (value) => {
        this.emitEvent('attempt', ctx, {
          attempt: 1,
          durationMs: this.clock.now() - startedAt,
          outcome: { ok: true, value },
        });
        return value;
      },
      (error: unknown) => {
        this.emitEvent('attempt', ctx, {
          attempt: 1,
          durationMs: this.clock.now() - startedAt,
          outcome: { ok: false, error },
        });
        throw error;
      },
    );
  }

  /** @internal */
  reportHedge(ctx: CallContext, attempt: number): void {
    this.emitEvent('hedge', ctx, { attempt });
  }

  /** @internal */
  reportAttempt(
    ctx: CallContext,
    scope: { readonly attempt: number; readonly startedAt: number },
    ok: boolean,
    result: unknown,
  ): void {
    if (!this.listens('attempt')) return;
    const outcome: Outcome = ok ? { ok: true, value: result } : { ok: false, error: result };
    this.emitEvent('attempt', ctx, { attempt: scope.attempt, durationMs: this.clock.now() - scope.startedAt, outcome });
  }

  /** Hands a losing attempt's value to `onDiscard`; its throw is reported, never raised. @internal */
  discard(value: unknown): void {
    callIsolated(this.onDiscard, value, this.name, 'onDiscard');
  }
}

/** Every option name of HedgeOptions; any other key is a TypeError. */
const HEDGE_OPTIONS: OptionNames<HedgeOptions> = {
  delay: true,
  maxHedged: true,
  budget: true,
  onDiscard: true,
  name: true,
  clock: true,
};

/**
 * Cuts tail latency: if an idempotent call has not settled after `delay`,
 * starts another attempt, up to `maxHedged` extra. The first success wins;
 * the others' `ctx.signal` aborts and their late values go to `onDiscard`.
 *
 * @remarks
 * Gotchas: only idempotent calls are hedged (`execute(fn, { idempotent: true })`,
 * or an enclosing retry's default); others run once, as they are. An attempt
 * that fails while hedges remain starts the next one at once. When every
 * attempt fails, `execute` rejects with the last error. A loser's signal
 * aborts with a `DOMException` named `'AbortError'`; pass `ctx.signal` on so
 * that the losing work really stops.
 *
 * @example
 * ```ts
 * const policy = hedge({ delay: 50, maxHedged: 1 });
 * const res = await policy.execute(({ signal }) => fetch(url, { signal }), { idempotent: true });
 * ```
 */
export function hedge(options: HedgeOptions): HedgePolicy {
  return new HedgePolicy(optionsObject<HedgeOptions>(HEDGE_KIND, options, HEDGE_OPTIONS, HEDGE_PEER_NAMES));
}

export type { HedgeEvents } from './events.js';
export type { HedgeOptions } from './options.js';
export { DEFAULT_MAX_HEDGED } from './constants.js';
