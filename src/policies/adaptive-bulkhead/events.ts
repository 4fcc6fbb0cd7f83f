import type { AdmissionEvents } from '../../core/admission/admission-policy.js';

/** Events of an adaptive bulkhead (each payload also has `policy`, `key`, `correlationId`, `at`). */
export interface AdaptiveBulkheadEvents extends AdmissionEvents {
  /** The bulkhead refused a call: at its limit with no queue place (`'limit'`) or it waited too long (`'queueTimeout'`). */
  rejected: AdmissionEvents['rejected'];
  /** A queued call got its slot and starts now, after waiting `waitedMs`. */
  dequeued: AdmissionEvents['dequeued'];
  /** A sampling window ended and the limit algorithm moved the limit from `from` to `to`. */
  limitChanged: { readonly from: number; readonly to: number };
}
