import { BreakwaterError } from '../core/errors.js';

const HTTP_STATUS_BRAND: unique symbol = Symbol.for('breakwater.fetch.HttpStatusError') as never;

/**
 * A response that counts as a failure (a 503, say), thrown inside the policy
 * so that retry and the circuit breaker see it. `resilientFetch` catches it at
 * the outside and returns its `response`, so callers only meet it when they
 * run the wrapped fetch inside a policy of their own.
 *
 * `executed` is `true`: the server received the request.
 */
export class HttpStatusError extends BreakwaterError {
  /** The response; its body is unread. */
  readonly response: Response;
  /** `response.status`. */
  readonly status: number;
  /** The response's `Retry-After` in milliseconds (capped), or `undefined` when it has none. */
  readonly retryAfter: number | undefined;

  constructor(response: Response, retryAfter: number | undefined) {
    super(`HTTP ${response.status}${response.statusText === '' ? '' : ` ${response.statusText}`}`, true);
    this.response = response;
    this.status = response.status;
    this.retryAfter = retryAfter;
    (this as { [HTTP_STATUS_BRAND]?: true })[HTTP_STATUS_BRAND] = true;
    // Named here, not on the prototype at load, so the module has no side effect.
    Object.defineProperty(this, 'name', { value: 'HttpStatusError', writable: true, configurable: true });
  }
}

/** True for an {@link HttpStatusError} from any copy of the package. */
export function isHttpStatusError(value: unknown): value is HttpStatusError {
  return (
    typeof value === 'object' && value !== null && (value as { [HTTP_STATUS_BRAND]?: true })[HTTP_STATUS_BRAND] === true
  );
}
