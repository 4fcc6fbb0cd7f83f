import type { Clock } from '../core/clock.js';
import type { OptionNames } from '../core/validate.js';
import { type HangStep, scriptSettings } from './scripted.js';

/**
 * What one call of a {@link scriptedFetch} dependency does. Build steps with
 * {@link respond}, {@link connectionError} and {@link hang}.
 *
 * `latency` absent: the call settles at once (no timer). A number (0
 * included): it settles after that many milliseconds on the clock.
 */
export type FetchStep =
  | {
      readonly kind: 'response';
      readonly status: number;
      readonly headers: Readonly<Record<string, string>>;
      readonly body: string | null;
      readonly latency?: number;
    }
  | { readonly kind: 'connectionError'; readonly code: string; readonly latency?: number }
  | HangStep;

/** Options of {@link respond}. */
export interface RespondInit {
  /**
   * The response body (a string; objects are sent as JSON with `content-type: application/json`).
   * @defaultValue none (`null`)
   */
  body?: unknown;
  /**
   * Response headers.
   * @defaultValue none
   */
  headers?: Record<string, string>;
  /**
   * A `Retry-After` header: seconds (a number) or an HTTP date (a string).
   * @defaultValue none
   */
  retryAfter?: number | string;
  /**
   * Milliseconds on the clock before the response arrives.
   * @defaultValue none (at once)
   */
  latency?: number;
}

/** Options of {@link scriptedFetch}. */
export interface ScriptedFetchOptions {
  /** The clock every latency runs on (usually a `VirtualClock`). Required. */
  clock: Clock;
  /**
   * After the last step of an array: `'repeat'` the last step, or `'cycle'` back to the first.
   * @defaultValue `'repeat'`
   */
  exhausted?: 'repeat' | 'cycle';
}

/** The record of one call of a {@link scriptedFetch} dependency. */
export interface ScriptedFetchCall {
  /** 0 for the first call, in call order. */
  readonly index: number;
  /** The step this call followed. */
  readonly step: FetchStep;
  /** The requested URL, as a string. */
  readonly url: string;
  /** The request method, upper case. */
  readonly method: string;
  /** The request headers. */
  readonly headers: Headers;
  /** Clock time when the call started. */
  readonly start: number;
  /** Clock time when it settled; `undefined` while it runs. */
  readonly end: number | undefined;
  /** The response status, `'error'` for a rejection, `undefined` while it runs. */
  readonly status: number | 'error' | undefined;
  /** The request's signal aborted before the call settled. */
  readonly signalAborted: boolean;
}

/** A fake `fetch` that follows its script; pass it where a `fetch` is expected (`resilientFetch(policy, { fetch })`). */
export interface ScriptedFetch {
  (input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** Every call so far, in call order. Records update in place as calls settle. */
  readonly calls: readonly ScriptedFetchCall[];
  /** Calls started and not yet settled. */
  readonly inFlight: number;
}

const SCRIPTED_FETCH_OPTIONS: OptionNames<ScriptedFetchOptions> = { clock: true, exhausted: true };

const NO_BODY_STATUSES = /* @__PURE__ */ new Set([101, 103, 204, 205, 304]);

function latencyOf(name: string, latency: unknown): number | undefined {
  if (latency === undefined) return undefined;
  if (typeof latency !== 'number' || !(latency >= 0) || !Number.isFinite(latency)) {
    throw new RangeError(`${name}: latency must be a finite number >= 0, got ${String(latency)}`);
  }
  return latency;
}

/**
 * A step that answers with an HTTP response of `status`.
 * @example
 * ```ts
 * scriptedFetch([respond(503, { retryAfter: 2 }), respond(200, { body: { ok: true } })], { clock });
 * ```
 */
export function respond(status: number, init: RespondInit = {}): FetchStep {
  if (!Number.isInteger(status) || status < 200 || status > 599) {
    throw new RangeError(`respond: status must be an integer in [200, 599], got ${String(status)}`);
  }
  const headers: Record<string, string> = { ...init.headers };
  let body: string | null = null;
  if (init.body !== undefined && init.body !== null) {
    if (typeof init.body === 'string') {
      body = init.body;
    } else {
      body = JSON.stringify(init.body);
      headers['content-type'] ??= 'application/json';
    }
  }
  if (NO_BODY_STATUSES.has(status)) body = null;
  if (init.retryAfter !== undefined) headers['retry-after'] = String(init.retryAfter);
  const latency = latencyOf('respond', init.latency);
  return latency === undefined
    ? { kind: 'response', status, headers, body }
    : { kind: 'response', status, headers, body, latency };
}

/**
 * A step that fails as `fetch` does when the connection cannot be made: a
 * `TypeError('fetch failed')` whose `cause` carries Node's `code`
 * (`ECONNREFUSED` by default; `ENOTFOUND`, `ECONNRESET`, `UND_ERR_CONNECT_TIMEOUT`, …).
 * @example
 * ```ts
 * scriptedFetch([connectionError('ECONNREFUSED'), respond(200)], { clock });
 * ```
 */
export function connectionError(code = 'ECONNREFUSED', latency?: number): FetchStep {
  if (typeof code !== 'string' || code.length === 0) {
    throw new TypeError(`connectionError: code must be a non-empty string, got ${String(code)}`);
  }
  const ms = latencyOf('connectionError', latency);
  return ms === undefined ? { kind: 'connectionError', code } : { kind: 'connectionError', code, latency: ms };
}

function checkStep(step: unknown, index: number): FetchStep {
  const kind = (step as { kind?: unknown } | null)?.kind;
  if (kind !== 'response' && kind !== 'connectionError' && kind !== 'hang') {
    throw new TypeError(
      `scriptedFetch: step for call ${index} must be made by respond, connectionError or hang, got ${String(kind)}`,
    );
  }
  return step as FetchStep;
}

function connectionFailure(code: string): TypeError {
  const cause = Object.assign(new Error(`connect ${code}`), { code });
  return new TypeError('fetch failed', { cause });
}

interface MutableCall {
  index: number;
  step: FetchStep;
  url: string;
  method: string;
  headers: Headers;
  start: number;
  end: number | undefined;
  status: number | 'error' | undefined;
  signalAborted: boolean;
}

function describeRequest(
  input: string | URL | Request,
  init: RequestInit | undefined,
): { url: string; method: string; headers: Headers; signal: AbortSignal | undefined } {
  const isRequest = typeof Request !== 'undefined' && input instanceof Request;
  const url = isRequest ? input.url : String(input);
  const method = (init?.method ?? (isRequest ? input.method : 'GET')).toUpperCase();
  const headers = new Headers(init?.headers ?? (isRequest ? input.headers : undefined));
  const signal = init?.signal ?? (isRequest ? input.signal : undefined) ?? undefined;
  return { url, method, headers, signal };
}

/**
 * A fake dependency shaped like `fetch`: call by call it answers with a
 * status (and `Retry-After`), fails like a refused connection, or hangs until
 * the request's signal aborts, on the given clock; it records every request.
 * A request whose signal aborts rejects with `signal.reason`, as `fetch`
 * does. Every timer and abort listener a call makes is removed when it settles.
 *
 * @example
 * ```ts
 * const clock = new VirtualClock();
 * const fake = scriptedFetch([respond(503, { retryAfter: 1 }), respond(200, { body: 'ok' })], { clock });
 * const get = resilientFetch(retry({ clock }), { fetch: fake });
 * const res = get('https://inventory.local/items');
 * await clock.runAll();
 * (await res).status; // 200
 * fake.calls.map((c) => c.status); // [503, 200]
 * ```
 */
export function scriptedFetch(
  schedule: readonly FetchStep[] | ((index: number) => FetchStep),
  options: ScriptedFetchOptions,
): ScriptedFetch {
  const { clock, exhausted } = scriptSettings('scriptedFetch', options, SCRIPTED_FETCH_OPTIONS);
  let stepFor: (index: number) => FetchStep;
  if (typeof schedule === 'function') {
    stepFor = (index) => checkStep(schedule(index), index);
  } else if (Array.isArray(schedule) && schedule.length > 0) {
    const steps = schedule.map((s, i) => checkStep(s, i));
    const last = steps.length - 1;
    stepFor =
      exhausted === 'repeat'
        ? (index) => steps[Math.min(index, last)] as FetchStep
        : (index) => steps[index % steps.length] as FetchStep;
  } else {
    throw new TypeError('scriptedFetch: schedule must be a non-empty array of steps or a function of the call index');
  }

  const calls: MutableCall[] = [];
  let inFlight = 0;

  const run = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const index = calls.length;
    let request: ReturnType<typeof describeRequest>;
    let step: FetchStep;
    try {
      request = describeRequest(input, init);
      step = stepFor(index);
    } catch (error) {
      return Promise.reject(error);
    }
    const signal = request.signal;
    const record: MutableCall = {
      index,
      step,
      url: request.url,
      method: request.method,
      headers: request.headers,
      start: clock.now(),
      end: undefined,
      status: undefined,
      signalAborted: signal?.aborted === true,
    };
    calls.push(record);
    inFlight++;

    return new Promise<Response>((resolve, reject) => {
      let timer: unknown = undefined;
      let hasTimer = false;
      let listening = false;
      let done = false;
      const finish = (): void => {
        done = true;
        if (hasTimer) clock.clearTimeout(timer);
        hasTimer = false;
        if (listening && signal !== undefined) signal.removeEventListener('abort', onAbort);
        listening = false;
        record.end = clock.now();
        inFlight--;
      };
      const fail = (error: unknown): void => {
        if (done) return;
        finish();
        record.status = 'error';
        reject(error);
      };
      const onAbort = (): void => {
        record.signalAborted = true;
        fail(signal?.reason);
      };
      const answer = (): void => {
        if (done) return;
        hasTimer = false;
        if (step.kind === 'response') {
          finish();
          record.status = step.status;
          resolve(new Response(step.body, { status: step.status, headers: step.headers }));
        } else if (step.kind === 'connectionError') {
          fail(connectionFailure(step.code));
        }
      };

      if (signal?.aborted === true) {
        fail(signal.reason);
        return;
      }
      if (step.kind === 'hang' || step.latency !== undefined) {
        if (signal !== undefined) {
          signal.addEventListener('abort', onAbort);
          listening = true;
        }
        if (step.kind !== 'hang') {
          timer = clock.setTimeout(answer, step.latency as number);
          hasTimer = true;
        }
        return;
      }
      answer();
    });
  };

  return Object.defineProperties(run, {
    calls: { get: (): readonly ScriptedFetchCall[] => calls, enumerable: true },
    inFlight: { get: (): number => inFlight, enumerable: true },
  }) as ScriptedFetch;
}
