import type { AdmissionEvents } from '../../core/admission/admission-policy.js';

/** Events of a bulkhead policy (each payload also has `policy`, `key`, `correlationId`, `at`). */
export interface BulkheadEvents extends AdmissionEvents {
  /** The bulkhead refused a call: no place left (`'full'`) or it waited too long (`'queueTimeout'`). */
  rejected: AdmissionEvents['rejected'];
  /** A queued call got its slot and starts now, after waiting `waitedMs` (metrics build queue-wait histograms from it). */
  dequeued: AdmissionEvents['dequeued'];
}
