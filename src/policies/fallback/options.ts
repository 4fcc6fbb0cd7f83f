import type { Context } from '../../core/context.js';
import type { CommonOptions, Outcome } from '../../core/policy.js';

/**
 * What {@link fallback} resolves with when the call fails: a value, or a
 * function of the outcome and the call's context (it may be async).
 */
export type FallbackValue<F> = F | ((outcome: Outcome, ctx: Context) => F | PromiseLike<F>);

/** Options of {@link fallback}. */
export interface FallbackOptions extends CommonOptions {
  /**
   * Which outcomes get the fallback. Called for every error but the caller's
   * own abort (which is always rethrown), and, when you pass your own `on`,
   * for every value too (return `true` to replace a value you consider bad).
   * @defaultValue every error (`outcome => !outcome.ok`)
   * @example
   * ```ts
   * fallback([], { on: (o) => !o.ok && isBrokenCircuitError(o.error) });
   * ```
   */
  on?: (outcome: Outcome) => boolean;
}
