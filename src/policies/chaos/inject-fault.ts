import type { CallContext } from '../../core/context.js';
import { invoke, PolicyBase, type PolicyFunction, RUN } from '../../core/policy.js';
import { type OptionNames, numberInRange, optionsObject } from '../../core/validate.js';
import { INJECT_FAULT_KIND } from './constants.js';
import type { InjectFaultEvents } from './events.js';
import type { FaultFactory, InjectFaultOptions } from './options.js';
import { randomOption } from './random.js';

/** A policy that fails a share of calls on purpose. Made by {@link injectFault}. */
export class InjectFaultPolicy extends PolicyBase<InjectFaultEvents> {
  declare readonly kind: 'injectFault';
  /** The share of calls that fail. */
  readonly rate: number;
  private readonly random: () => number;
  private readonly error: unknown;
  private readonly makeError: FaultFactory | undefined;

  constructor(options: Partial<InjectFaultOptions>) {
    super(INJECT_FAULT_KIND, options);
    this.rate = numberInRange(INJECT_FAULT_KIND, 'rate', options.rate, 0, 1);
    if (options.error === undefined) {
      throw new TypeError(
        `${INJECT_FAULT_KIND}: error must be an error value or a function returning one, got undefined`,
      );
    }
    this.makeError = typeof options.error === 'function' ? (options.error as FaultFactory) : undefined;
    this.error = options.error;
    this.random = randomOption(INJECT_FAULT_KIND, options.random);
  }

  /** @internal */
  [RUN]<T>(fn: PolicyFunction<T>, ctx: CallContext): Promise<Awaited<T>> {
    if (ctx.scope.aborted) return Promise.reject(ctx.scope.reason);
    if (!(this.random() < this.rate)) return invoke(fn, ctx);
    let error: unknown;
    try {
      error = this.makeError === undefined ? this.error : this.makeError(ctx);
    } catch (thrown) {
      error = thrown;
    }
    this.emitEvent('fault', ctx, { error });
    return Promise.reject(error);
  }
}

/** Every option name of InjectFaultOptions; any other key is a TypeError. */
const INJECT_FAULT_OPTIONS: OptionNames<InjectFaultOptions> = {
  rate: true,
  error: true,
  random: true,
  name: true,
  clock: true,
};

/**
 * Chaos for tests and staging: a share `rate` of calls rejects with `error`
 * instead of running.
 *
 * @remarks
 * Gotchas: one number is drawn from `random` per call, so a `seededRandom`
 * gives the same faults on every run. `rate` 0 never fails and 1 always does.
 * The injected error is used as it is; give it `executed: false` if policies
 * outside should treat it as "never started".
 *
 * @example
 * ```ts
 * const chaos = injectFault({ rate: 0.1, error: () => new Error('injected'), random: seededRandom(1) });
 * const policy = pipeline(retry({ idempotent: true }), chaos);
 * ```
 */
export function injectFault(options: InjectFaultOptions): InjectFaultPolicy {
  return new InjectFaultPolicy(optionsObject<InjectFaultOptions>(INJECT_FAULT_KIND, options, INJECT_FAULT_OPTIONS));
}
