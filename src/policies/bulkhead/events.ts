import type { BulkheadRejectReason } from '../../core/errors.js';

/** Events of a bulkhead policy (each payload also has `policy`, `key`, `correlationId`, `at`). */
export interface BulkheadEvents {
  /** The bulkhead refused a call: no place left (`'full'`) or it waited too long (`'queueTimeout'`). */
  rejected: { readonly reason: BulkheadRejectReason };
  /** A queued call got its slot and starts now, after waiting `waitedMs` (metrics build queue-wait histograms from it). */
  dequeued: { readonly waitedMs: number };
}
