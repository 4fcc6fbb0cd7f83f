import type { Context, ExecuteOptions } from '../core/context.js';
import type { Policy } from '../core/policy.js';
import {
  type OptionNames,
  describe,
  isBoolean,
  isFunction,
  nonNegativeFinite,
  optionsObject,
} from '../core/validate.js';
import { RETRY_PEER_NAMES } from '../core/peer-names.js';
import {
  DEFAULT_CORRELATION_HEADER,
  DEFAULT_FAIL_ON_STATUS,
  DEFAULT_IDEMPOTENCY_KEYS,
  DEFAULT_MAX_RETRY_AFTER,
  FETCH_KIND,
} from './constants.js';
import { FetchCall, type FetchSettings } from './fetch-call.js';
import type { FetchFunction, ResilientFetchOptions } from './options.js';
import { hasHeader, hasIdempotencyKey, isIdempotentMethod, isOneShotBody, isRequest, urlOf } from './request-info.js';

export {
  DEFAULT_CORRELATION_HEADER,
  DEFAULT_FAIL_ON_STATUS,
  DEFAULT_IDEMPOTENCY_KEYS,
  DEFAULT_MAX_RETRY_AFTER,
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENT_METHODS,
} from './constants.js';
export { HttpStatusError, isHttpStatusError } from './errors.js';
export type { FetchFunction, ResilientFetchOptions } from './options.js';
export { parseRetryAfter } from './retry-after.js';

function statusList(value: readonly unknown[]): (response: Response) => boolean {
  const statuses = new Set<number>();
  for (const status of value) {
    if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
      throw new RangeError(
        `${FETCH_KIND}: failOn must list HTTP statuses (integers 100 to 599), got ${describe(status)} in the list`,
      );
    }
    statuses.add(status);
  }
  return (response) => statuses.has(response.status);
}

function failOnOption(value: unknown): (response: Response) => boolean {
  if (value === undefined) return statusList(DEFAULT_FAIL_ON_STATUS);
  if (Array.isArray(value)) return statusList(value);
  if (typeof value === 'function') return value as (response: Response) => boolean;
  throw new TypeError(`${FETCH_KIND}: failOn must be a function or an array of HTTP statuses, got ${describe(value)}`);
}

/** Every option name of ResilientFetchOptions; any other key is a TypeError. */
const FETCH_OPTIONS: OptionNames<ResilientFetchOptions> = {
  fetch: true,
  idempotencyKeys: true,
  failOn: true,
  maxRetryAfter: true,
  key: true,
  now: true,
  correlationId: true,
  correlationHeader: true,
};
/** RFC 9110's token: the characters a header name may have. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** The correlation header's name in lower case, or undefined for `false`. */
function correlationHeaderOption(value: unknown): string | undefined {
  if (value === undefined) return DEFAULT_CORRELATION_HEADER;
  if (value === false) return undefined;
  if (typeof value === 'string' && HEADER_NAME.test(value)) return value.toLowerCase();
  throw new TypeError(`${FETCH_KIND}: correlationHeader must be a header name or false, got ${describe(value)}`);
}

/** What the `correlationId` function returned, checked: a string, with `''` and `undefined` meaning none. */
function correlationIdOf(value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'string') return value;
  throw new TypeError(`${FETCH_KIND}: correlationId must return a string or undefined, got ${describe(value)}`);
}

/**
 * Wraps `fetch` in a policy: the result has `fetch`'s signature, and each
 * call runs through `policy.execute`.
 *
 * - GET, HEAD, OPTIONS, TRACE, PUT and DELETE are idempotent; POST, PATCH and
 *   other methods are only when the request carries an `Idempotency-Key`
 *   (or `idempotencyKeys: true` adds one).
 * - 408, 429, 500, 502, 503 and 504 count as failures for retry and the
 *   breaker (`failOn`); their `Retry-After` becomes the error's `retryAfter`.
 *   When attempts run out the caller gets the last response, not an error.
 * - The body of every response that a retry or hedge throws away is cancelled.
 * - The caller's signal (`init.signal` or the `Request`'s) cancels the call and
 *   rejects it with the signal's reason, as `fetch` does.
 * - With `correlationId`, each call's ID goes on its events and, as the
 *   `x-correlation-id` header, on every attempt and hedge (a header the
 *   caller set is kept).
 *
 * @example
 * ```ts
 * import { pipeline, retry, circuitBreaker, timeout } from 'breakwater';
 * import { resilientFetch } from 'breakwater/fetch';
 *
 * const http = resilientFetch(pipeline(retry(), circuitBreaker(), timeout(2_000)));
 * const res = await http('https://api.example.com/users/42');
 * ```
 *
 * @remarks
 * Gotchas: a request whose `init.body` is a `ReadableStream` can be sent only
 * once, so it is never marked idempotent. The wrapped call rejects with
 * breakwater's own errors (`BrokenCircuitError`, `TimeoutError`,
 * `BulkheadRejectedError`) where plain `fetch` would have waited or failed.
 */
export function resilientFetch(policy: Policy, options?: ResilientFetchOptions): FetchFunction {
  if (typeof policy !== 'object' || policy === null || typeof (policy as Partial<Policy>).execute !== 'function') {
    throw new TypeError(`${FETCH_KIND}: policy must be an object with an execute method, got ${describe(policy)}`);
  }
  const o = optionsObject<ResilientFetchOptions>(FETCH_KIND, options, FETCH_OPTIONS, RETRY_PEER_NAMES);
  const underlying =
    o.fetch === undefined
      ? (globalThis as { fetch?: FetchFunction }).fetch
      : isFunction<FetchFunction>(FETCH_KIND, 'fetch', o.fetch);
  if (typeof underlying !== 'function') {
    throw new TypeError(
      `${FETCH_KIND}: fetch must be a function (this runtime has no global fetch), got ${describe(underlying)}`,
    );
  }
  const settings: FetchSettings = {
    fetch: underlying,
    failOn: failOnOption(o.failOn),
    maxRetryAfter:
      o.maxRetryAfter === undefined
        ? DEFAULT_MAX_RETRY_AFTER
        : nonNegativeFinite(FETCH_KIND, 'maxRetryAfter', o.maxRetryAfter),
    now: o.now === undefined ? Date.now : isFunction<() => number>(FETCH_KIND, 'now', o.now),
  };
  const idempotencyKeys =
    o.idempotencyKeys === undefined
      ? DEFAULT_IDEMPOTENCY_KEYS
      : isBoolean(FETCH_KIND, 'idempotencyKeys', o.idempotencyKeys);
  const keyOf =
    o.key === undefined
      ? undefined
      : isFunction<(url: URL, method: string) => string | undefined>(FETCH_KIND, 'key', o.key);
  const correlationOf =
    o.correlationId === undefined
      ? undefined
      : isFunction<(url: URL, init: RequestInit | undefined) => string | undefined>(
          FETCH_KIND,
          'correlationId',
          o.correlationId,
        );
  const correlationHeader = correlationHeaderOption(o.correlationHeader);
  const execute: (fn: (ctx: Context) => Promise<Response>, options: ExecuteOptions) => Promise<Response> = (
    fn,
    executeOptions,
  ) => policy.execute(fn, executeOptions);

  return function wrappedFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    try {
      return startCall(input, init);
    } catch (error) {
      // fetch reports every problem through its promise, never by throwing.
      return Promise.reject(error);
    }
  };

  function startCall(input: string | URL | Request, init: RequestInit | undefined): Promise<Response> {
    const request = isRequest(input) ? input : undefined;
    const method = (init?.method ?? request?.method ?? 'GET').toUpperCase();
    let idempotent = isIdempotentMethod(method);
    let addKey = false;
    if (!idempotent) {
      const headers = init?.headers ?? request?.headers;
      if (hasIdempotencyKey(headers)) idempotent = true;
      else if (idempotencyKeys) idempotent = addKey = true;
    }
    if (idempotent && isOneShotBody(init?.body)) idempotent = false;
    const callerSignal = init?.signal ?? request?.signal ?? undefined;
    const correlationId = correlationOf === undefined ? undefined : correlationIdOf(correlationOf(urlOf(input), init));
    const executeOptions: ExecuteOptions = {
      signal: callerSignal,
      idempotent,
      key: keyOf === undefined ? undefined : keyOf(urlOf(input), method),
    };
    let correlation: readonly [string, string] | undefined;
    if (correlationId !== undefined) {
      executeOptions.correlationId = correlationId;
      if (correlationHeader !== undefined && !hasHeader(init?.headers ?? request?.headers, correlationHeader)) {
        correlation = [correlationHeader, correlationId];
      }
    }
    return new FetchCall(settings, input, init, callerSignal, addKey, correlation).start(execute, executeOptions);
  }
}
