import { AdmissionPolicy, queueSettings } from '../../core/admission/admission-policy.js';
import type { CallContext } from '../../core/context.js';
import { isTimeoutError, provesNotExecuted } from '../../core/errors.js';
import { reportListenerError } from '../../core/events.js';
import { invoke, type PolicyFunction } from '../../core/policy.js';
import { type OptionNames, optionsObject } from '../../core/validate.js';
import { clamp, type LimitAlgorithm, type LimitWindow } from './algorithm.js';
import { ADAPTIVE_OPTION_NAMES, adaptiveSettings, checkOptionKeys } from './config.js';
import { ADAPTIVE_BULKHEAD_KIND } from './constants.js';
import type { AdaptiveBulkheadEvents } from './events.js';
import type { AdaptiveBulkheadOptions } from './options.js';
import { SamplingWindow } from './window.js';

/** The default drop: a timeout, or a rejection that proves the call never reached the dependency. */
function defaultIsDrop(error: unknown): boolean {
  return isTimeoutError(error) || provesNotExecuted(error);
}

/**
 * A bulkhead whose limit follows the dependency. Made by {@link adaptiveBulkhead}.
 *
 * @remarks
 * The queue, abort, queue-timeout and release rules are the bulkhead's own
 * (`core/admission`). Each call that ran is a sample: its round-trip time
 * (two clock reads), the calls in flight when it started (itself included)
 * and whether it dropped. Samples collect in a window; at the end of a window,
 * on the call that ends it, the limit algorithm proposes a new limit. No timer
 * is involved: an idle bulkhead holds nothing.
 */
export class AdaptiveBulkheadPolicy extends AdmissionPolicy<AdaptiveBulkheadEvents> {
  declare readonly kind: 'adaptiveBulkhead';
  /** The lowest the limit goes. */
  readonly minLimit: number;
  /** The highest the limit goes. */
  readonly maxLimit: number;
  private readonly algorithm: LimitAlgorithm;
  private readonly window: SamplingWindow;
  private readonly isDrop: (error: unknown) => boolean;

  constructor(options: Partial<AdaptiveBulkheadOptions>) {
    const settings = adaptiveSettings(options);
    super(
      ADAPTIVE_BULKHEAD_KIND,
      options,
      settings.initialLimit,
      queueSettings(ADAPTIVE_BULKHEAD_KIND, options),
      'limit',
    );
    this.minLimit = settings.minLimit;
    this.maxLimit = settings.maxLimit;
    this.algorithm = settings.algorithm;
    this.window = new SamplingWindow(settings.window);
    this.isDrop = settings.isDrop ?? defaultIsDrop;
  }

  /** How many calls may run at once now. */
  get limit(): number {
    return this.capacity;
  }

  /** @internal */
  protected launch(fn: PolicyFunction<unknown>, ctx: CallContext): Promise<unknown> {
    const startedAt = this.clock.now();
    const inFlight = this.activeCount;
    const running = invoke(fn, ctx);
    running.then(
      () => this.settle(ctx, startedAt, inFlight, false),
      (error: unknown) => this.settle(ctx, startedAt, inFlight, this.dropped(error, ctx)),
    );
    return running;
  }

  /** Is this rejection a drop? `undefined`: no sample at all (an abort from outside). */
  private dropped(error: unknown, ctx: CallContext): boolean | undefined {
    if (ctx.scope.aborted) return undefined;
    try {
      return this.isDrop(error) === true;
    } catch (thrown) {
      reportListenerError(thrown, this.name, 'isDrop');
      return false;
    }
  }

  /** A call that held a slot settled: record its sample, maybe move the limit, then free the slot. */
  private settle(ctx: CallContext, startedAt: number, inFlight: number, dropped: boolean | undefined): void {
    if (dropped !== undefined) {
      const end = this.clock.now();
      const seen = this.window.add(end, end - startedAt, inFlight, dropped);
      if (seen !== undefined) this.adjust(seen, ctx);
    }
    this.release();
  }

  /** A window ended: ask the algorithm, keep the answer in bounds, and move the limit. */
  private adjust(seen: LimitWindow, ctx: CallContext): void {
    const from = this.capacity;
    let proposed: number;
    try {
      proposed = this.algorithm.update(seen, from);
    } catch (error) {
      reportListenerError(error, this.name, 'algorithm.update');
      return;
    }
    if (typeof proposed !== 'number' || !Number.isFinite(proposed)) return;
    const to = clamp(Math.floor(proposed), this.minLimit, this.maxLimit);
    if (to === from) return;
    this.setCapacity(to);
    this.emitEvent('limitChanged', ctx, { from, to });
  }
}

/**
 * A bulkhead whose limit finds itself (Netflix concurrency-limits): it starts
 * at `initialLimit` (20) and moves between `minLimit` (1) and `maxLimit` (200)
 * from each call's round-trip time and drops, once per sampling window.
 * Beyond the limit and `maxQueue` (default 0) a call is rejected at once with
 * `BulkheadRejectedError` `{ reason: 'limit' }`.
 *
 * @remarks
 * Gotchas: loss-based AIMD (the default) needs drops to come down: put a
 * `timeout` inside it, or let the dependency's own rejections with
 * `executed === false` count. Delay-based `'gradient2'` and `'vegas'` read
 * latency alone. A caller's abort is no sample. Give each `keyed` pool its own
 * algorithm object when you pass your own.
 *
 * @example
 * ```ts
 * const pool = adaptiveBulkhead({ algorithm: 'gradient2', maxLimit: 100 });
 * pool.on('limitChanged', ({ from, to }) => console.log(`limit ${from} -> ${to}`));
 * const res = await pool.execute(({ signal }) => fetch(url, { signal }));
 * ```
 */
export function adaptiveBulkhead(options?: AdaptiveBulkheadOptions): AdaptiveBulkheadPolicy {
  checkOptionKeys(options);
  return new AdaptiveBulkheadPolicy(
    optionsObject<AdaptiveBulkheadOptions>(
      ADAPTIVE_BULKHEAD_KIND,
      options,
      ADAPTIVE_OPTION_NAMES as OptionNames<AdaptiveBulkheadOptions>,
    ),
  );
}

export type { LimitAlgorithm, LimitWindow } from './algorithm.js';
export type { AdaptiveBulkheadEvents } from './events.js';
export type {
  AdaptiveAlgorithm,
  AdaptiveBulkheadOptions,
  AimdAlgorithmOptions,
  Gradient2AlgorithmOptions,
  SamplingWindowOptions,
  VegasAlgorithmOptions,
} from './options.js';
export { ADAPTIVE_BULKHEAD_DEFAULTS } from './constants.js';
