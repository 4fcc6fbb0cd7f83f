/** The default `name` of an injectFault policy. */
export const INJECT_FAULT_KIND = 'injectFault' as const;
/** The default `name` of an injectLatency policy. */
export const INJECT_LATENCY_KIND = 'injectLatency' as const;
