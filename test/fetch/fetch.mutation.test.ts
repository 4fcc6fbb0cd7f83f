// Tests that pin behaviour mutation testing found unpinned.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { combineSignals } from '../../src/fetch/combine-signals.js';
import { type FetchFunction, HttpStatusError, isHttpStatusError, resilientFetch } from '../../src/fetch/index.js';
import { constant, type Context, type ExecuteOptions, type Policy, retry } from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';

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
function fakeFetch(responses: (() => Response)[]): FetchFunction & { calls: { input: unknown; init: RequestInit | undefined }[] } {
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

describe('HttpStatusError', () => {
  it('its message is "HTTP <status>", with the status text when there is one', () => {
    expect(new HttpStatusError(new Response(null, { status: 503 }), undefined).message).toBe('HTTP 503');
    expect(new HttpStatusError(new Response(null, { status: 503, statusText: 'Service Unavailable' }), 10).message).toBe(
      'HTTP 503 Service Unavailable',
    );
  });

  it('isHttpStatusError is false, and never throws, for null, undefined, primitives and plain objects', () => {
    for (const value of [null, undefined, 'x', 5, {}, new Error('e')]) expect(isHttpStatusError(value)).toBe(false);
    expect(isHttpStatusError(new HttpStatusError(new Response(null, { status: 500 }), undefined))).toBe(true);
  });
});

describe('resilientFetch: validation', () => {
  it.each([
    [[99], 'got 99 in the list'],
    [[600], 'got 600 in the list'],
    [[500.5], 'got 500.5 in the list'],
    [['500'], 'got "500" in the list'],
  ])('failOn %j is a RangeError naming the bad status', (failOn, got) => {
    expect(() => resilientFetch(once, { fetch: fakeFetch([() => new Response()]), failOn: failOn as never })).toThrow(RangeError);
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
    expect(() => resilientFetch(policy as never)).toThrow(`resilientFetch: policy must be an object with an execute method, ${got}`);
  });

  it('without a global fetch and no fetch option it is a TypeError', () => {
    vi.stubGlobal('fetch', undefined);
    expect(() => resilientFetch(once)).toThrow(TypeError);
    expect(() => resilientFetch(once)).toThrow('resilientFetch: fetch must be a function (this runtime has no global fetch), got undefined');
  });
});

describe('resilientFetch: requests', () => {
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

describe('combineSignals fallback', () => {
  it('when the second signal has already aborted, the result is aborted with its reason', () => {
    const a = new AbortController();
    const b = new AbortController();
    const reason = new Error('b first');
    b.abort(reason);
    const { signal, release } = combineSignals(a.signal, b.signal, null);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(reason);
    expect(() => release()).not.toThrow();
  });
});
