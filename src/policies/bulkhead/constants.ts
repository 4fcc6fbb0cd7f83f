/** The default `name` of a bulkhead policy. */
export const BULKHEAD_KIND = 'bulkhead' as const;
/** By default no call waits: a call that finds every slot taken is rejected at once. */
export const DEFAULT_MAX_QUEUE = 0;
/** The longest delay the platform timers hold without overflowing (about 24.8 days). */
export const MAX_QUEUE_TIMEOUT_MS = 2_147_483_647;
