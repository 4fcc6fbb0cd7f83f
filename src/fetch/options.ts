/** A function with the signature of the global `fetch`. */
export type FetchFunction = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Options of {@link resilientFetch}. */
export interface ResilientFetchOptions {
  /**
   * The `fetch` to call for each attempt.
   * @defaultValue `globalThis.fetch`, looked up at construction
   * @example
   * ```ts fragment
   * resilientFetch(policy, { fetch: (input, init) => undici.fetch(input, init) });
   * ```
   */
  fetch?: FetchFunction;
  /**
   * When true, a POST or PATCH (or any method outside {@link IDEMPOTENT_METHODS})
   * that carries no `Idempotency-Key` header gets one, set to
   * `ctx.idempotencyKey` (one value per call, the same on every attempt), and
   * becomes safe to retry. Only use it against servers that honour the header.
   * @defaultValue `false`
   */
  idempotencyKeys?: boolean;
  /**
   * Which responses count as failures for retry and the circuit breaker:
   * a list of statuses, or a predicate. A failed response that is the last
   * word (attempts ran out) is still returned to the caller, as `fetch` would.
   * @defaultValue {@link DEFAULT_FAIL_ON_STATUS}: 408, 429, 500, 502, 503, 504
   * @example
   * ```ts fragment
   * resilientFetch(policy, { failOn: (res) => res.status >= 500 });
   * ```
   */
  failOn?: readonly number[] | ((response: Response) => boolean);
  /**
   * The cap, in milliseconds, on a failed response's `Retry-After`; a larger
   * value is cut down to this.
   * @defaultValue {@link DEFAULT_MAX_RETRY_AFTER} (60,000)
   */
  maxRetryAfter?: number;
  /**
   * Routes `keyed()` pools and breakers: the `key` of each call, from its URL
   * and method.
   * @defaultValue none (calls carry no key)
   * @example
   * ```ts fragment
   * resilientFetch(perHost, { key: (url) => url.host });
   * ```
   */
  key?: (url: URL, method: string) => string | undefined;
  /**
   * Wall-clock time in milliseconds since the epoch, used to turn a
   * `Retry-After` HTTP date into a delay. (The policies' `clock` is
   * monotonic and has no calendar.)
   * @defaultValue `Date.now`
   */
  now?: () => number;
  /**
   * The correlation ID of each call, typically read from the service's own
   * AsyncLocalStorage of the incoming request. It becomes the call's
   * `correlationId` (every event of the call carries it) and is sent as the
   * `correlationHeader` on every attempt and hedge. `undefined` or `''`: none.
   * @defaultValue none
   * @example
   * ```ts fragment
   * const incoming = new AsyncLocalStorage<{ correlationId: string }>();
   * resilientFetch(policy, { correlationId: () => incoming.getStore()?.correlationId });
   * ```
   */
  correlationId?: (url: URL, init: RequestInit | undefined) => string | undefined;
  /**
   * The request header that carries the correlation ID, or `false` to send
   * none (the ID still goes on the call's events). A header the caller set
   * (in `init.headers` or on the `Request`) is never overwritten.
   * @defaultValue {@link DEFAULT_CORRELATION_HEADER} (`'x-correlation-id'`)
   */
  correlationHeader?: string | false;
}
