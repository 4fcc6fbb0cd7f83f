/** The default `name` of a bulkhead policy. */
export const BULKHEAD_KIND = 'bulkhead' as const;
export { DEFAULT_MAX_QUEUE, MAX_QUEUE_TIMEOUT_MS } from '../../core/admission/admission-policy.js';
