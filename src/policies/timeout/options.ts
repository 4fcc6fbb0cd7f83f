import type { CommonOptions } from '../../core/policy.js';
import type { TimeoutStrategy } from './constants.js';

/** Options of {@link timeout}. */
export interface TimeoutOptions extends CommonOptions {
  /**
   * `'aggressive'`: at the deadline `ctx.signal` aborts and `execute` rejects
   * with `TimeoutError` at once. `'cooperative'`: `ctx.signal` aborts and
   * `execute` waits for the function; its value stands, its error becomes the
   * `cause` of a `TimeoutError`.
   * @defaultValue `'aggressive'`
   */
  strategy?: TimeoutStrategy;
}
