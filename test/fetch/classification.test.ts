import { afterEach, describe, expect, it, vi } from 'vitest';
import { constant, hedge, retry, type Context, type ExecuteOptions, type Policy } from '../../src/index.js';
import {
  DEFAULT_FAIL_ON_STATUS,
  DEFAULT_IDEMPOTENCY_KEYS,
  DEFAULT_MAX_RETRY_AFTER,
  HttpStatusError,
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENT_METHODS,
  isHttpStatusError,
  parseRetryAfter,
  resilientFetch,
  type FetchFunction,
} from '../../src/fetch/index.js';
import { isBreakwaterError } from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';

/** A policy that runs the function once and records what it was given. */
class RecordingPolicy implements Policy {
  readonly options: (ExecuteOptions | undefined)[] = [];
  readonly errors: unknown[] = [];
  execute<T>(fn: (ctx: Context) => T | PromiseLike<T>, options?: ExecuteOptions): Promise<Awaited<T>> {
    this.options.push(options);
    const ctx: Context = {
      signal: options?.signal ?? new AbortController().signal,
      attempt: 1,
      idempotent: options?.idempotent ?? false,
      idempotencyKey: 'k-1',
      key: options?.key,
      correlationId: undefined,
      deadline: undefined,
    };
    return Promise.resolve(fn(ctx)).catch((error: unknown) => {
      this.errors.push(error);
      throw error;
    }) as Promise<Awaited<T>>;
  }
}

/** A Response whose body records whether it was cancelled. */
function trackedResponse(
  status: number,
  headers: Record<string, string> = {},
): { response: Response; cancelled: () => boolean } {
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(`status ${status}`));
    },
    // Ends the body once its one chunk has been read; an unread body stays open, so cancel reaches it.
    pull(controller) {
      controller.close();
    },
    cancel() {
      cancelled = true;
    },
  });
  return { response: new Response(body, { status, headers }), cancelled: () => cancelled };
}

const okFetch: FetchFunction = () => Promise.resolve(new Response('ok'));

describe('resilientFetch defaults', () => {
  it('pins the default constants', () => {
    expect(DEFAULT_FAIL_ON_STATUS).toEqual([408, 429, 500, 502, 503, 504]);
    expect(DEFAULT_MAX_RETRY_AFTER).toBe(60_000);
    expect(DEFAULT_IDEMPOTENCY_KEYS).toBe(false);
    expect(IDEMPOTENCY_KEY_HEADER).toBe('Idempotency-Key');
    expect(IDEMPOTENT_METHODS).toEqual(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);
  });
});

describe('resilientFetch idempotency by method', () => {
  it.each([
    ['GET', true],
    ['head', true],
    ['OPTIONS', true],
    ['TRACE', true],
    ['PUT', true],
    ['delete', true],
    ['POST', false],
    ['patch', false],
    ['PROPFIND', false],
  ])('passes idempotent for %s as %s', async (method, idempotent) => {
    const policy = new RecordingPolicy();
    await resilientFetch(policy, { fetch: okFetch })('http://h.test/', { method });
    expect(policy.options[0]?.idempotent).toBe(idempotent);
  });

  it('treats a GET with no init and a Request without a method as GET', async () => {
    const policy = new RecordingPolicy();
    const http = resilientFetch(policy, { fetch: okFetch });
    await http('http://h.test/');
    await http(new URL('http://h.test/'));
    await http(new Request('http://h.test/'));
    expect(policy.options.map((o) => o?.idempotent)).toEqual([true, true, true]);
  });

  it.each([
    ['a record', { 'idempotency-key': 'a' }],
    ['an array of pairs', [['Idempotency-Key', 'a']]],
    ['a Headers object', new Headers({ 'IDEMPOTENCY-KEY': 'a' })],
  ])('treats a POST carrying an Idempotency-Key in %s as idempotent', async (_label, headers) => {
    const policy = new RecordingPolicy();
    await resilientFetch(policy, { fetch: okFetch })('http://h.test/', {
      method: 'POST',
      headers: headers as HeadersInit,
    });
    expect(policy.options[0]?.idempotent).toBe(true);
  });

  it('reads the key from a Request and its method', async () => {
    const policy = new RecordingPolicy();
    await resilientFetch(policy, { fetch: okFetch })(
      new Request('http://h.test/', { method: 'PATCH', headers: { 'Idempotency-Key': 'x' } }),
    );
    expect(policy.options[0]?.idempotent).toBe(true);
  });

  it('adds ctx.idempotencyKey to a POST under idempotencyKeys: true, and no header to a GET', async () => {
    const sent: (string | null)[] = [];
    const fetch: FetchFunction = (_input, init) => {
      sent.push(new Headers(init?.headers).get('idempotency-key'));
      return Promise.resolve(new Response('ok'));
    };
    const policy = new RecordingPolicy();
    const http = resilientFetch(policy, { fetch, idempotencyKeys: true });
    await http('http://h.test/', { method: 'POST' });
    await http('http://h.test/');
    expect(sent).toEqual(['k-1', null]);
    expect(policy.options.map((o) => o?.idempotent)).toEqual([true, true]);
  });

  it('never marks a request with a stream body idempotent (a stream is sent once)', async () => {
    const policy = new RecordingPolicy();
    const body = new ReadableStream({ start: (c) => c.close() });
    await resilientFetch(policy, { fetch: okFetch })('http://h.test/', {
      method: 'PUT',
      body,
      duplex: 'half',
    } as RequestInit);
    expect(policy.options[0]?.idempotent).toBe(false);
  });

  it('routes keyed pools with the key option', async () => {
    const policy = new RecordingPolicy();
    const seen: [string, string][] = [];
    const http = resilientFetch(policy, {
      fetch: okFetch,
      key: (url, method) => {
        seen.push([url.href, method]);
        return url.host;
      },
    });
    await http('http://api.test:8080/a?b=1', { method: 'post' });
    expect(policy.options[0]?.key).toBe('api.test:8080');
    expect(seen).toEqual([['http://api.test:8080/a?b=1', 'POST']]);
  });

  it("passes the caller's signal from init or from the Request to execute", async () => {
    const policy = new RecordingPolicy();
    const http = resilientFetch(policy, { fetch: okFetch });
    const a = new AbortController();
    await http('http://h.test/', { signal: a.signal });
    const b = new AbortController();
    const request = new Request('http://h.test/', { signal: b.signal });
    await http(request);
    expect(policy.options[0]?.signal).toBe(a.signal);
    // The Request keeps its own signal that follows the one it was built with.
    b.abort('x');
    expect(policy.options[1]?.signal?.aborted).toBe(true);
  });
});

describe('resilientFetch status classification', () => {
  it('throws an HttpStatusError inside the policy for a failing status, with the response and Retry-After', async () => {
    const policy = new RecordingPolicy();
    const { response } = trackedResponse(503, { 'retry-after': '7' });
    const res = await resilientFetch(policy, { fetch: () => Promise.resolve(response) })('http://h.test/');
    expect(res).toBe(response);
    const error = policy.errors[0];
    expect(isHttpStatusError(error)).toBe(true);
    expect(error).toBeInstanceOf(HttpStatusError);
    expect(isBreakwaterError(error)).toBe(true);
    const e = error as HttpStatusError;
    expect([e.status, e.retryAfter, e.executed, e.name, e.message]).toEqual([
      503,
      7_000,
      true,
      'HttpStatusError',
      'HTTP 503',
    ]);
    expect(e.response).toBe(response);
  });

  it.each([408, 429, 500, 502, 503, 504])('counts %i as a failure by default', async (status) => {
    const policy = new RecordingPolicy();
    await resilientFetch(policy, { fetch: () => Promise.resolve(new Response(null, { status })) })('http://h.test/');
    expect(policy.errors).toHaveLength(1);
  });

  it.each([200, 204, 301, 400, 404, 501, 505])('lets %i through as a success by default', async (status) => {
    const policy = new RecordingPolicy();
    const res = await resilientFetch(policy, { fetch: () => Promise.resolve(new Response(null, { status })) })(
      'http://h.test/',
    );
    expect(res.status).toBe(status);
    expect(policy.errors).toHaveLength(0);
  });

  it('uses a failOn predicate', async () => {
    const policy = new RecordingPolicy();
    const http = resilientFetch(policy, {
      fetch: () => Promise.resolve(new Response(null, { status: 404 })),
      failOn: (res) => res.status === 404,
    });
    await http('http://h.test/');
    expect(isHttpStatusError(policy.errors[0])).toBe(true);
  });

  it('rejects with errors that are not HttpStatusErrors, unchanged', async () => {
    const boom = new TypeError('fetch failed');
    const http = resilientFetch(new RecordingPolicy(), { fetch: () => Promise.reject(boom) });
    await expect(http('http://h.test/')).rejects.toBe(boom);
  });

  it('rejects with an HttpStatusError that did not come from this call (a policy of yours may throw one)', async () => {
    const foreign = new HttpStatusError(new Response(null, { status: 503 }), undefined);
    const policy: Policy = { execute: () => Promise.reject(foreign) };
    await expect(resilientFetch(policy, { fetch: okFetch })('http://h.test/')).rejects.toBe(foreign);
  });

  it('never throws synchronously: a throwing key function rejects the returned promise', async () => {
    const boom = new Error('bad key');
    const http = resilientFetch(new RecordingPolicy(), {
      fetch: okFetch,
      key: () => {
        throw boom;
      },
    });
    await expect(http('http://h.test/')).rejects.toBe(boom);
  });
});

describe('resilientFetch discarded bodies', () => {
  it('cancels every response a retry throws away and keeps the one returned', async () => {
    const made: ReturnType<typeof trackedResponse>[] = [];
    const fetch: FetchFunction = () => {
      const t = trackedResponse(made.length < 2 ? 503 : 200);
      made.push(t);
      return Promise.resolve(t.response);
    };
    const res = await resilientFetch(retry({ maxAttempts: 3, backoff: constant(0) }), { fetch })('http://h.test/');
    expect(res).toBe(made[2]?.response);
    expect(made.map((t) => t.cancelled())).toEqual([true, true, false]);
    expect(await res.text()).toBe('status 200');
  });

  it('cancels a discarded body before the next attempt starts (not at the end of the call)', async () => {
    const made: ReturnType<typeof trackedResponse>[] = [];
    const cancelledWhenStarting: boolean[] = [];
    const fetch: FetchFunction = () => {
      cancelledWhenStarting.push(made.every((t) => t.cancelled()));
      const t = trackedResponse(503);
      made.push(t);
      return Promise.resolve(t.response);
    };
    await resilientFetch(retry({ maxAttempts: 3, backoff: constant(0) }), { fetch })('http://h.test/');
    expect(cancelledWhenStarting).toEqual([true, true, true]);
    expect(made.map((t) => t.cancelled())).toEqual([true, true, false]);
  });

  it("cancels the hedge loser's body, even when it arrives after the call settled", async () => {
    const clock = new VirtualClock();
    const made: ReturnType<typeof trackedResponse>[] = [];
    const fetch: FetchFunction = () => {
      const n = made.length;
      const t = trackedResponse(200);
      made.push(t);
      // The first attempt answers at 100 ms, the hedge (started at 10 ms) at 30 ms.
      return new Promise((resolve) => clock.setTimeout(() => resolve(t.response), n === 0 ? 100 : 20));
    };
    const pending = resilientFetch(hedge({ delay: 10, clock }), { fetch })('http://h.test/');
    await clock.advance(30);
    const res = await pending;
    expect(res).toBe(made[1]?.response);
    await clock.advance(100);
    await Promise.resolve();
    expect(made.map((t) => t.cancelled())).toEqual([true, false]);
  });

  it("cancels every response when the call ends in an error (the caller's abort)", async () => {
    const clock = new VirtualClock();
    const made: ReturnType<typeof trackedResponse>[] = [];
    const fetch: FetchFunction = () => {
      const t = trackedResponse(503, { 'retry-after': '1' });
      made.push(t);
      return Promise.resolve(t.response);
    };
    const controller = new AbortController();
    const pending = resilientFetch(retry({ maxAttempts: 3, backoff: constant(0), clock }), { fetch })(
      'http://h.test/',
      {
        signal: controller.signal,
      },
    );
    await clock.advance(0);
    controller.abort('gone');
    await expect(pending).rejects.toBe('gone');
    expect(made.map((t) => t.cancelled())).toEqual([true]);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('Sun, 06 Nov 1994 08:49:00 GMT');
  it.each([
    ['0', 0],
    ['3', 3_000],
    [' 12 ', 12_000],
    ['120', 60_000],
    ['Sun, 06 Nov 1994 08:49:37 GMT', 37_000],
    ['Sunday, 06-Nov-94 08:49:37 GMT', 37_000],
    ['Sun Nov  6 08:49:37 1994', 37_000],
    ['Sun, 06 Nov 1994 08:48:00 GMT', 0],
    ['Sun, 06 Nov 1994 10:00:00 GMT', 60_000],
  ])('reads %j as %i ms (cap 60 s)', (value, ms) => {
    expect(parseRetryAfter(value, now, 60_000)).toBe(ms);
  });

  it.each([null, undefined, '', '-1', '1.5', 'soon', 'Sun, 32 Nov 1994 08:49:37 GMT'])('ignores %j', (value) => {
    expect(parseRetryAfter(value, now, 60_000)).toBeUndefined();
  });

  it('reads an HTTP date against the now option', async () => {
    const policy = new RecordingPolicy();
    const response = new Response(null, { status: 503, headers: { 'retry-after': 'Sun, 06 Nov 1994 08:49:05 GMT' } });
    await resilientFetch(policy, { fetch: () => Promise.resolve(response), now: () => now })('http://h.test/');
    expect((policy.errors[0] as HttpStatusError).retryAfter).toBe(5_000);
  });
});

describe('resilientFetch bad input', () => {
  const policy = new RecordingPolicy();
  it.each([
    [
      () => resilientFetch(null as unknown as Policy),
      TypeError,
      'resilientFetch: policy must be an object with an execute method, got null',
    ],
    [() => resilientFetch(policy, 5 as never), TypeError, 'resilientFetch: options must be an object, got 5'],
    [
      () => resilientFetch(policy, { failOn: 'x' as never }),
      TypeError,
      'resilientFetch: failOn must be a function or an array of HTTP statuses, got "x"',
    ],
    [
      () => resilientFetch(policy, { failOn: [503, 99] }),
      RangeError,
      'resilientFetch: failOn must list HTTP statuses (integers 100 to 599), got 99 in the list',
    ],
    [
      () => resilientFetch(policy, { maxRetryAfter: -1 }),
      RangeError,
      'resilientFetch: maxRetryAfter must be a finite number >= 0, got -1',
    ],
    [
      () => resilientFetch(policy, { idempotencyKeys: 'yes' as never }),
      TypeError,
      'resilientFetch: idempotencyKeys must be a boolean, got "yes"',
    ],
    [() => resilientFetch(policy, { fetch: 1 as never }), TypeError, 'resilientFetch: fetch must be a function, got 1'],
    [
      () => resilientFetch(policy, { key: 'host' as never }),
      TypeError,
      'resilientFetch: key must be a function, got "host"',
    ],
    [() => resilientFetch(policy, { now: 0 as never }), TypeError, 'resilientFetch: now must be a function, got 0'],
  ])('rejects bad input %#', (make, type, message) => {
    expect(make).toThrow(type);
    expect(make).toThrow(message);
  });
});

/** A policy that runs the function once with a context of its own making. */
const once: Policy = {
  execute<T>(fn: (ctx: Context) => T | PromiseLike<T>, options?: ExecuteOptions): Promise<Awaited<T>> {
    const ctx: Context = {
      signal: new AbortController().signal,
      attempt: 1,
      idempotent: options?.idempotent ?? false,
      idempotencyKey: 'key-1',
      key: options?.key,
      correlationId: undefined,
      deadline: undefined,
    };
    return Promise.resolve(fn(ctx)) as Promise<Awaited<T>>;
  },
};

/** A fake fetch that answers from a list and records what it was given. */
function fakeFetch(
  responses: (() => Response)[],
): FetchFunction & { calls: { input: unknown; init: RequestInit | undefined }[] } {
  const calls: { input: unknown; init: RequestInit | undefined }[] = [];
  const fn = ((input: unknown, init?: RequestInit) => {
    const make = responses[Math.min(calls.length, responses.length - 1)] as () => Response;
    calls.push({ input, init });
    return Promise.resolve(make());
  }) as FetchFunction & { calls: typeof calls };
  fn.calls = calls;
  return fn;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('HttpStatusError: message and guard', () => {
  it('its message is "HTTP <status>", with the status text when there is one', () => {
    expect(new HttpStatusError(new Response(null, { status: 503 }), undefined).message).toBe('HTTP 503');
    expect(
      new HttpStatusError(new Response(null, { status: 503, statusText: 'Service Unavailable' }), 10).message,
    ).toBe('HTTP 503 Service Unavailable');
  });

  it('isHttpStatusError is false, and never throws, for null, undefined, primitives and plain objects', () => {
    for (const value of [null, undefined, 'x', 5, {}, new Error('e')]) expect(isHttpStatusError(value)).toBe(false);
    expect(isHttpStatusError(new HttpStatusError(new Response(null, { status: 500 }), undefined))).toBe(true);
  });
});

describe('resilientFetch: validation of failOn, policy and fetch', () => {
  it.each([
    [[99], 'got 99 in the list'],
    [[600], 'got 600 in the list'],
    [[500.5], 'got 500.5 in the list'],
    [['500'], 'got "500" in the list'],
  ])('failOn %j is a RangeError naming the bad status', (failOn, got) => {
    expect(() => resilientFetch(once, { fetch: fakeFetch([() => new Response()]), failOn: failOn as never })).toThrow(
      RangeError,
    );
    expect(() => resilientFetch(once, { fetch: fakeFetch([() => new Response()]), failOn: failOn as never })).toThrow(
      `resilientFetch: failOn must list HTTP statuses (integers 100 to 599), ${got}`,
    );
  });

  it('failOn accepts the bounds 100 and 599', async () => {
    const f = fakeFetch([() => new Response(null, { status: 599 })]);
    const http = resilientFetch(once, { fetch: f, failOn: [100, 599] });
    const res = await http('http://localhost/x');
    expect(res.status).toBe(599);
  });

  it.each([
    [null, 'got null'],
    [{}, 'got an object'],
  ])('a policy of %j is a TypeError naming it', (policy, got) => {
    expect(() => resilientFetch(policy as never)).toThrow(TypeError);
    expect(() => resilientFetch(policy as never)).toThrow(
      `resilientFetch: policy must be an object with an execute method, ${got}`,
    );
  });

  it('without a global fetch and no fetch option it is a TypeError', () => {
    vi.stubGlobal('fetch', undefined);
    expect(() => resilientFetch(once)).toThrow(TypeError);
    expect(() => resilientFetch(once)).toThrow(
      'resilientFetch: fetch must be a function (this runtime has no global fetch), got undefined',
    );
  });
});

describe('resilientFetch: what reaches fetch', () => {
  it('passes the attempt signal to fetch', async () => {
    const f = fakeFetch([() => new Response('ok')]);
    const controller = new AbortController();
    await resilientFetch(once, { fetch: f })('http://localhost/x', { signal: controller.signal });
    expect(f.calls[0]?.init?.signal).toBeInstanceOf(AbortSignal);
    controller.abort(new Error('gone'));
    expect(f.calls[0]?.init?.signal?.aborted).toBe(true);
  });

  it('a POST Request without init gets an Idempotency-Key added to its own headers', async () => {
    const f = fakeFetch([() => new Response('ok')]);
    const http = resilientFetch(once, { fetch: f, idempotencyKeys: true });
    await http(new Request('http://localhost/x', { method: 'POST', headers: { 'x-a': 'b' } }));
    const headers = new Headers(f.calls[0]?.init?.headers);
    expect(headers.get('idempotency-key')).toBe('key-1');
    expect(headers.get('x-a')).toBe('b');
  });

  it('a POST whose header list (array form) has no Idempotency-Key is not idempotent', async () => {
    const seen: (boolean | undefined)[] = [];
    const spy: Policy = {
      execute: (fn, options) => {
        seen.push(options?.idempotent);
        return once.execute(fn, options);
      },
    };
    const http = resilientFetch(spy, { fetch: fakeFetch([() => new Response('ok')]) });
    await http('http://localhost/x', { method: 'POST', headers: [['x-other', '1']] });
    await http('http://localhost/x', { method: 'POST', headers: [['Idempotency-Key', 'abc']] });
    expect(seen).toEqual([false, true]);
  });

  it('a retried failure whose response has no body is thrown away cleanly and the retry answers', async () => {
    const clock = new VirtualClock();
    const f = fakeFetch([() => new Response(null, { status: 503 }), () => new Response('ok', { status: 200 })]);
    const http = resilientFetch(retry({ clock, backoff: constant(0), maxAttempts: 2 }), { fetch: f });
    const pending = http('http://localhost/x');
    await clock.runAll();
    const res = await pending;
    expect(res.status).toBe(200);
    expect(f.calls).toHaveLength(2);
  });
});
