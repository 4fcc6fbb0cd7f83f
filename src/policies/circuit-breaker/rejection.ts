/**
 * The breaker's own rejections, built without a stack trace.
 *
 * A rejection by an open breaker is a state, not a bug: its stack would only
 * show the caller's synchronous frames, and capturing it costs about 1.5 µs,
 * ten times the rest of the rejection. So the stack is not captured
 * (`Error.stackTraceLimit` is set to 0 for the constructor and restored at
 * once); the error is otherwise a normal `BrokenCircuitError` /
 * `IsolatedCircuitError` with its name, message, `retryAfter` and brand.
 */
import { BrokenCircuitError, IsolatedCircuitError } from '../../core/errors.js';

interface StackLimit {
  stackTraceLimit?: number;
}

const ErrorWithLimit = Error as unknown as StackLimit;

/** A `BrokenCircuitError` without a captured stack. */
export function brokenCircuit(retryAfter: number): BrokenCircuitError {
  const limit = ErrorWithLimit.stackTraceLimit;
  if (typeof limit !== 'number') return new BrokenCircuitError(retryAfter);
  ErrorWithLimit.stackTraceLimit = 0;
  try {
    return new BrokenCircuitError(retryAfter);
  } finally {
    ErrorWithLimit.stackTraceLimit = limit;
  }
}

/** An `IsolatedCircuitError` without a captured stack. */
export function isolatedCircuit(): IsolatedCircuitError {
  const limit = ErrorWithLimit.stackTraceLimit;
  if (typeof limit !== 'number') return new IsolatedCircuitError();
  ErrorWithLimit.stackTraceLimit = 0;
  try {
    return new IsolatedCircuitError();
  } finally {
    ErrorWithLimit.stackTraceLimit = limit;
  }
}
