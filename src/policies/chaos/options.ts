import type { Context } from '../../core/context.js';
import type { CommonOptions } from '../../core/policy.js';

/** Options every chaos policy takes. */
export interface ChaosOptions extends CommonOptions {
  /**
   * The share of calls affected, in [0, 1]: a call is affected when
   * `random() < rate`, so `0` never and `1` always. Required.
   */
  rate: number;
  /**
   * Numbers in [0, 1); one is drawn per call.
   * @defaultValue `Math.random`
   * @example
   * ```ts
   * injectFault({ rate: 0.1, error: new Error('boom'), random: seededRandom(7) });
   * ```
   */
  random?: () => number;
}

/** Options of {@link injectFault}. */
export interface InjectFaultOptions extends ChaosOptions {
  /**
   * What an affected call rejects with: an error, or a function of the
   * call's context that returns one (called once per fault). Required.
   * @example
   * ```ts
   * injectFault({ rate: 0.05, error: () => Object.assign(new Error('reset'), { code: 'ECONNRESET' }) });
   * ```
   */
  error: unknown;
}

/** Options of {@link injectLatency}. */
export interface InjectLatencyOptions extends ChaosOptions {
  /** How long an affected call waits before it runs, in milliseconds (> 0). Required. */
  ms: number;
}

/** The function form of `error`. */
export type FaultFactory = (ctx: Context) => unknown;
