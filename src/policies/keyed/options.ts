import type { CommonOptions } from '../../core/policy.js';

/** Options of {@link keyed}. */
export interface KeyedOptions extends CommonOptions {
  /**
   * The most pools alive at once: an integer >= 1. Past it, the least
   * recently used pool with no call in flight is evicted.
   * @defaultValue `1000`
   */
  maxKeys?: number;
  /**
   * A pool unused (no call started or settled) for this many ms is evicted,
   * lazily, when the keyed policy is next used: a positive finite number.
   * @defaultValue no idle eviction
   */
  idleMs?: number;
}
