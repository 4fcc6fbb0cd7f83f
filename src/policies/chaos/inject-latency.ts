import type { Clock } from '../../core/clock.js';
import type { AbortSubscriber, CallContext } from '../../core/context.js';
import { invoke, PolicyBase, type PolicyFunction, RUN } from '../../core/policy.js';
import { timerDelay } from '../../core/timer-delay.js';
import { type OptionNames, numberInRange, optionsObject } from '../../core/validate.js';
import { INJECT_LATENCY_KIND } from './constants.js';
import type { InjectLatencyEvents } from './events.js';
import type { InjectLatencyOptions } from './options.js';
import { randomOption } from './random.js';

/** A policy that delays a share of calls on purpose. Made by {@link injectLatency}. */
export class InjectLatencyPolicy extends PolicyBase<InjectLatencyEvents> {
  declare readonly kind: 'injectLatency';
  /** The share of calls that wait. */
  readonly rate: number;
  /** How long they wait, in milliseconds. */
  readonly ms: number;
  private readonly random: () => number;

  constructor(options: Partial<InjectLatencyOptions>) {
    super(INJECT_LATENCY_KIND, options);
    this.rate = numberInRange(INJECT_LATENCY_KIND, 'rate', options.rate, 0, 1);
    this.ms = timerDelay(INJECT_LATENCY_KIND, 'ms', options.ms, true);
    this.random = randomOption(INJECT_LATENCY_KIND, options.random);
  }

  /** @internal */
  [RUN]<T>(fn: PolicyFunction<T>, ctx: CallContext): Promise<Awaited<T>> {
    if (ctx.scope.aborted) return Promise.reject(ctx.scope.reason);
    if (!(this.random() < this.rate)) return invoke(fn, ctx);
    this.emitEvent('latency', ctx, { ms: this.ms });
    return new Promise<Awaited<T>>((resolve, reject) => {
      new LatencyWait(this.clock, this.ms, fn, ctx, resolve, reject);
    });
  }
}

/**
 * One injected wait. It listens to the call's scope; the timer and that
 * subscription end together, whichever comes first.
 */
class LatencyWait<T> implements AbortSubscriber {
  private readonly clock: Clock;
  private readonly fn: PolicyFunction<T>;
  private readonly ctx: CallContext;
  private readonly resolve: (value: Awaited<T> | Promise<Awaited<T>>) => void;
  private readonly reject: (error: unknown) => void;
  private readonly timer: unknown;

  constructor(
    clock: Clock,
    ms: number,
    fn: PolicyFunction<T>,
    ctx: CallContext,
    resolve: (value: Awaited<T> | Promise<Awaited<T>>) => void,
    reject: (error: unknown) => void,
  ) {
    this.clock = clock;
    this.fn = fn;
    this.ctx = ctx;
    this.resolve = resolve;
    this.reject = reject;
    ctx.scope.subscribe(this);
    this.timer = clock.setTimeout(() => this.elapsed(), ms);
  }

  /** The call's scope aborted during the wait. */
  handleEvent(): void {
    this.clock.clearTimeout(this.timer);
    this.ctx.scope.unsubscribe(this);
    this.reject(this.ctx.scope.reason);
  }

  private elapsed(): void {
    this.ctx.scope.unsubscribe(this);
    this.resolve(invoke(this.fn, this.ctx));
  }
}

/** Every option name of InjectLatencyOptions; any other key is a TypeError. */
const INJECT_LATENCY_OPTIONS: OptionNames<InjectLatencyOptions> = {
  rate: true,
  ms: true,
  random: true,
  name: true,
  clock: true,
};

/**
 * Chaos for tests and staging (the Latency Monkey in a policy): a share
 * `rate` of calls waits `ms` before it runs.
 *
 * @remarks
 * Gotchas: the wait goes through `clock` and ends at once when the call's
 * signal aborts (the timer is cleared and `execute` rejects with the reason).
 * One number is drawn from `random` per call.
 *
 * @example
 * ```ts
 * const slow = injectLatency({ rate: 0.05, ms: 1_000, random: seededRandom(3) });
 * const policy = pipeline(timeout(500), slow);
 * ```
 */
export function injectLatency(options: InjectLatencyOptions): InjectLatencyPolicy {
  return new InjectLatencyPolicy(
    optionsObject<InjectLatencyOptions>(INJECT_LATENCY_KIND, options, INJECT_LATENCY_OPTIONS),
  );
}
