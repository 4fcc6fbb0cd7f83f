/** The states of a circuit breaker. */
export type CircuitState = 'closed' | 'open' | 'halfOpen' | 'isolated';

/** Why the breaker changed state. */
export type StateChangeReason =
  | 'failureRate'
  | 'slowCallRate'
  | 'consecutiveFailures'
  | 'probeFailed'
  | 'probesSucceeded'
  | 'openElapsed'
  | 'isolated'
  | 'released'
  | 'reset';

/** Events of a circuit breaker (each payload also has `policy`, `key`, `correlationId`, `at`). */
export interface CircuitBreakerEvents {
  /**
   * The state changed. `openElapsed` (and a probe's `maxWait` running out)
   * are noticed lazily: when the state is next read or the next call arrives.
   */
  stateChange: { readonly from: CircuitState; readonly to: CircuitState; readonly reason: StateChangeReason };
  /** A call counted as a success (a value, or an error that `failOn` lets pass). */
  success: { readonly durationMs: number };
  /** A call counted as a failure. `error` is the error, or the value that `failOn` counted. */
  failure: { readonly error: unknown; readonly durationMs: number };
  /** The breaker refused a call without running it. `state` is the state that refused it. */
  rejected: { readonly state: Exclude<CircuitState, 'closed'> };
}

/** What `breaker.stats` reports for the current window. */
export interface CircuitBreakerStats {
  /** Calls counted in the window (for `consecutive`: the failures in a row). */
  readonly calls: number;
  /** Failures counted in the window. */
  readonly failures: number;
  /** Slow calls counted in the window (0 unless `slowCall` is set). */
  readonly slowCalls: number;
  /** `failures / calls`, 0 when the window is empty. */
  readonly failureRate: number;
  /** `slowCalls / calls`, 0 when the window is empty. */
  readonly slowCallRate: number;
}
