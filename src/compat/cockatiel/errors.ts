/** cockatiel's error classes and guards; the shim turns breakwater's rejections into these. */

/**
 * The circuit is open: the call was not run.
 *
 * @example
 * if (isBrokenCircuitError(error)) serveFromCache();
 */
export class BrokenCircuitError extends Error {
  /** Brand read by {@link isBrokenCircuitError}. */
  readonly isBrokenCircuitError = true;
  constructor(message = 'Execution prevented because the circuit breaker is open') {
    super(message);
  }
}

/** The circuit is held open by `isolate()`. @example if (isIsolatedCircuitError(e)) {} */
export class IsolatedCircuitError extends BrokenCircuitError {
  /** Brand read by {@link isIsolatedCircuitError}. */
  readonly isIsolatedCircuitError = true;
  constructor() {
    super('Execution prevented because the circuit breaker is open');
  }
}

/** The breaker was restored open from `initialState`: the failure that opened it is unknown. @example isHydratingCircuitError(p.lastFailure) */
export class HydratingCircuitError extends Error {
  /** Brand read by {@link isHydratingCircuitError}. */
  readonly isHydratingCircuitError = true;
  constructor(message = 'Execution prevented because the circuit breaker is open') {
    super(message);
  }
}

/** The bulkhead and its queue are full. @example if (isBulkheadRejectedError(e)) {} */
export class BulkheadRejectedError extends Error {
  /** Brand read by {@link isBulkheadRejectedError}. */
  readonly isBulkheadRejectedError = true;
  constructor(executionSlots: number, queueSlots: number) {
    super(`Bulkhead capacity exceeded (0/${executionSlots} execution slots, 0/${queueSlots} available)`);
  }
}

/** The call was cancelled: its signal aborted, or an aggressive timeout fired. @example if (isTaskCancelledError(e)) {} */
export class TaskCancelledError extends Error {
  /** Brand read by {@link isTaskCancelledError}. */
  readonly isTaskCancelledError = true;
  constructor(message = 'Operation cancelled') {
    super(message);
    this.message = message;
  }
}

const branded =
  <T extends Error>(brand: string) =>
  (e: unknown): e is T =>
    !!e && e instanceof Error && brand in e;

/** Whether `e` is a {@link BrokenCircuitError} (from any copy of the package). @example isBrokenCircuitError(e) */
export const isBrokenCircuitError: (e: unknown) => e is BrokenCircuitError = branded('isBrokenCircuitError');
/** Whether `e` is a {@link BulkheadRejectedError}. @example isBulkheadRejectedError(e) */
export const isBulkheadRejectedError: (e: unknown) => e is BulkheadRejectedError = branded('isBulkheadRejectedError');
/** Whether `e` is an {@link IsolatedCircuitError}. @example isIsolatedCircuitError(e) */
export const isIsolatedCircuitError: (e: unknown) => e is IsolatedCircuitError = branded('isIsolatedCircuitError');
/** Whether `e` is a {@link TaskCancelledError}. @example isTaskCancelledError(e) */
export const isTaskCancelledError: (e: unknown) => e is TaskCancelledError = branded('isTaskCancelledError');
/** Whether `e` is a {@link HydratingCircuitError}. @example isHydratingCircuitError(e) */
export const isHydratingCircuitError: (e: unknown) => e is HydratingCircuitError = branded('isHydratingCircuitError');
