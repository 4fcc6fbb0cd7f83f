import { describe, expect, it } from 'vitest';
import { pipeline, retry, timeout } from '../../src/index.js';
import { resilientFetch } from '../../src/fetch/index.js';
import {
  abortListenerCount,
  connectionError,
  hang,
  respond,
  scriptedFetch,
  trackedAbortController,
  VirtualClock,
} from '../../src/testing/index.js';

describe('scriptedFetch', () => {
  it('answers with the scripted statuses, headers and bodies, and records each request', async () => {
    const clock = new VirtualClock();
    const fake = scriptedFetch([respond(503, { retryAfter: 2 }), respond(200, { body: { ok: true }, latency: 10 })], {
      clock,
    });
    const first = await fake('https://inventory.local/items', { method: 'post', headers: { 'x-a': '1' } });
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('2');
    const second = fake(new URL('https://inventory.local/items/2'));
    expect(fake.inFlight).toBe(1);
    await clock.advance(10);
    const res = await second;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(fake.calls.map((c) => [c.url, c.method, c.status, c.start, c.end])).toEqual([
      ['https://inventory.local/items', 'POST', 503, 0, 0],
      ['https://inventory.local/items/2', 'GET', 200, 0, 10],
    ]);
    expect(fake.calls[0]?.headers.get('x-a')).toBe('1');
    expect(clock.pending).toBe(0);
  });

  it('fails like a refused connection: TypeError("fetch failed") with cause.code, which retry treats as never executed', async () => {
    const clock = new VirtualClock();
    const fake = scriptedFetch([connectionError('ECONNREFUSED'), respond(201)], { clock });
    const error = await fake('https://x.local').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('fetch failed');
    expect(((error as Error).cause as { code: string }).code).toBe('ECONNREFUSED');
    // A non-idempotent POST is retried: the refusal proves it never reached the server.
    const post = resilientFetch(retry({ clock, backoff: () => 0 }), {
      fetch: scriptedFetch([connectionError(), respond(201)], { clock }),
    });
    const result = post('https://x.local', { method: 'POST' });
    await clock.runAll();
    expect((await result).status).toBe(201);
  });

  it('hangs until the request signal aborts, then rejects with its reason and leaves no listener', async () => {
    const clock = new VirtualClock();
    const fake = scriptedFetch([hang()], { clock });
    const controller = trackedAbortController();
    const pending = fake('https://x.local', { signal: controller.signal });
    expect(abortListenerCount(controller.signal).current).toBe(1);
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(abortListenerCount(controller.signal).current).toBe(0);
    expect(fake.calls[0]?.signalAborted).toBe(true);
    expect(fake.calls[0]?.status).toBe('error');
  });

  it('lets a timeout end a hung request through resilientFetch', async () => {
    const clock = new VirtualClock();
    const fake = scriptedFetch([hang(), respond(200, { body: 'late but fine' })], { clock });
    const get = resilientFetch(pipeline(retry({ clock, backoff: () => 0 }), timeout(1_000, { clock })), {
      fetch: fake,
    });
    const res = get('https://x.local');
    await clock.advance(1_000);
    await clock.runAll();
    expect(await (await res).text()).toBe('late but fine');
    expect(fake.calls.map((c) => c.status)).toEqual(['error', 200]);
    expect(clock.pending).toBe(0);
  });

  it('rejects bad steps and options when built', () => {
    const clock = new VirtualClock();
    expect(() => respond(99)).toThrow(RangeError);
    expect(() => connectionError('')).toThrow(TypeError);
    expect(() => scriptedFetch([], { clock })).toThrow(TypeError);
    expect(() => scriptedFetch([respond(200)], {} as never)).toThrow(TypeError);
    expect(() => scriptedFetch([{ kind: 'nope' } as never], { clock })).toThrow(/respond, connectionError or hang/);
    expect(() => scriptedFetch([respond(200)], { clock, honorsAbort: false } as never)).toThrow(
      'scriptedFetch: unknown option honorsAbort',
    );
  });
});
