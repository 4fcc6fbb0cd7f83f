/** Events of an injectFault policy (each payload also has `policy`, `key`, `correlationId`, `at`). */
export interface InjectFaultEvents {
  /** The call was failed with `error` instead of running. */
  fault: { readonly error: unknown };
}

/** Events of an injectLatency policy (each payload also has `policy`, `key`, `correlationId`, `at`). */
export interface InjectLatencyEvents {
  /** The call will wait `ms` before it runs. */
  latency: { readonly ms: number };
}
