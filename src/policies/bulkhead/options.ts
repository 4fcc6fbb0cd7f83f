import type { CommonOptions } from '../../core/policy.js';

/** Options of {@link bulkhead}. */
export interface BulkheadOptions extends CommonOptions {
  /**
   * How many calls may run at once: an integer >= 1, or `Infinity`.
   * @example `bulkhead({ maxConcurrent: 10 })`
   */
  maxConcurrent: number;
  /**
   * How many more calls may wait, in FIFO order, for a slot: an integer >= 0,
   * or `Infinity`. `0` means a call that finds no slot is rejected at once.
   * @defaultValue `0`
   */
  maxQueue?: number;
  /**
   * How long (ms) a call may wait in the queue before it is rejected with
   * `BulkheadRejectedError` `{ reason: 'queueTimeout' }`: a positive finite
   * number up to 2,147,483,647.
   * @defaultValue no limit
   */
  queueTimeout?: number;
}
