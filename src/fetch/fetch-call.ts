import type { Context, ExecuteOptions } from '../core/context.js';
import { combineSignals, type Release } from './combine-signals.js';
import { IDEMPOTENCY_KEY_HEADER } from './constants.js';
import { HttpStatusError, isHttpStatusError } from './errors.js';
import type { FetchFunction } from './options.js';
import { isRequest } from './request-info.js';
import { parseRetryAfter } from './retry-after.js';

/** What every call of one wrapped fetch shares, normalised once at construction. */
export interface FetchSettings {
  readonly fetch: FetchFunction;
  readonly failOn: (response: Response) => boolean;
  readonly maxRetryAfter: number;
  readonly now: () => number;
}

/** Cancels a response body nobody will read, so that its socket is released; never throws. */
export function cancelBody(response: Response): void {
  const body = response.body;
  if (body === null || body.locked) return;
  body.cancel().catch(ignore);
}

function ignore(): void {
  // A body that is already closed or errored has nothing left to release.
}

/**
 * One call of a wrapped fetch: runs the attempts the policy asks for, keeps
 * every response they produce, and when the call settles cancels the body of
 * each one that the caller does not get. Responses that arrive after the call
 * settled (a hedge that lost) are cancelled on arrival.
 */
export class FetchCall {
  private readonly settings: FetchSettings;
  private readonly input: string | URL | Request;
  private readonly init: RequestInit | undefined;
  private readonly callerSignal: AbortSignal | undefined;
  /** Add `Idempotency-Key: ctx.idempotencyKey` to each attempt. */
  private readonly addKey: boolean;
  /** The correlation header to add to each attempt, as `[name, value]`. */
  private readonly correlation: readonly [string, string] | undefined;
  /** The headers with the key and correlation ID added, built on the first attempt. */
  private addedHeaders: Headers | undefined = undefined;
  /** Responses produced and not yet released. */
  private live: Response[] = [];
  private releases: Release[] | undefined = undefined;
  private settled = false;

  constructor(
    settings: FetchSettings,
    input: string | URL | Request,
    init: RequestInit | undefined,
    callerSignal: AbortSignal | undefined,
    addKey: boolean,
    correlation?: readonly [string, string],
  ) {
    this.settings = settings;
    this.input = input;
    this.init = init;
    this.callerSignal = callerSignal;
    this.addKey = addKey;
    this.correlation = correlation;
  }

  /** Runs `policy.execute` for this call and turns its outcome into what `fetch` would give. */
  start(
    execute: (fn: (ctx: Context) => Promise<Response>, options: ExecuteOptions) => Promise<Response>,
    options: ExecuteOptions,
  ): Promise<Response> {
    return execute(this.attempt, options).then(this.resolved, this.rejected);
  }

  /** One attempt, as the policy runs it. */
  private readonly attempt = (ctx: Context): Promise<Response> => {
    // A new attempt means every response produced so far was thrown away.
    this.releaseLive(undefined);
    const input = this.input;
    const init: RequestInit = { ...this.init, signal: this.signalFor(ctx) };
    if (this.addKey || this.correlation !== undefined) init.headers = this.headersFor(ctx.idempotencyKey);
    // A Request with a body can be sent once; send a copy so that the next attempt has one too.
    const sent = isRequest(input) && input.body !== null ? input.clone() : input;
    // Called unbound: a browser's fetch throws "Illegal invocation" when its `this` is not the window.
    const fetchFn = this.settings.fetch;
    return fetchFn(sent, init).then(this.produced);
  };

  private readonly produced = (response: Response): Response => {
    if (this.settled) cancelBody(response);
    else this.live.push(response);
    const settings = this.settings;
    if (settings.failOn(response)) {
      const after = parseRetryAfter(response.headers.get('retry-after'), settings.now(), settings.maxRetryAfter);
      throw new HttpStatusError(response, after);
    }
    return response;
  };

  private readonly resolved = (response: Response): Response => {
    this.finish(response);
    return response;
  };

  private readonly rejected = (error: unknown): Response => {
    if (isHttpStatusError(error) && this.live.includes(error.response)) {
      // Attempts ran out on a failed response: the caller gets it, as plain fetch would give it.
      this.finish(error.response);
      return error.response;
    }
    this.finish(undefined);
    throw error;
  };

  private finish(kept: Response | undefined): void {
    this.settled = true;
    this.releaseLive(kept);
    const releases = this.releases;
    if (releases !== undefined) {
      this.releases = undefined;
      for (const release of releases) release();
    }
  }

  private releaseLive(kept: Response | undefined): void {
    const live = this.live;
    if (live.length === 0) return;
    this.live = [];
    for (const response of live) if (response !== kept) cancelBody(response);
  }

  /** The attempt's signal joined with the caller's (a policy from elsewhere may not link them). */
  private signalFor(ctx: Context): AbortSignal {
    const attempt = ctx.signal;
    const caller = this.callerSignal;
    if (caller === undefined || caller === attempt) return attempt;
    const { signal, release } = combineSignals(caller, attempt);
    (this.releases ??= []).push(release);
    return signal;
  }

  /** The caller's headers plus ours, the same for every attempt (the key is one per call). */
  private headersFor(key: string): Headers {
    if (this.addedHeaders === undefined) {
      const input = this.input;
      const source = this.init?.headers ?? (isRequest(input) ? input.headers : undefined);
      const headers = new Headers(source);
      if (this.addKey) headers.set(IDEMPOTENCY_KEY_HEADER, key);
      const correlation = this.correlation;
      if (correlation !== undefined) headers.set(correlation[0], correlation[1]);
      this.addedHeaders = headers;
    }
    return this.addedHeaders;
  }
}
