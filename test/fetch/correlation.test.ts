import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { constant, hedge, pipeline, retry } from '../../src/index.js';
import { DEFAULT_CORRELATION_HEADER, resilientFetch } from '../../src/fetch/index.js';
import { LocalServer, reply } from './local-server.js';

const server = new LocalServer();
beforeAll(() => server.start());
afterAll(() => server.stop());

function quickRetry(maxAttempts = 3) {
  return retry({ maxAttempts, backoff: constant(0) });
}

const headersReceived = (name: string): unknown[] => server.received.map((r) => r.headers[name]);

describe('resilientFetch correlationId against a real HTTP server', () => {
  it('sends the ID as x-correlation-id on every attempt of a retry, unchanged, and puts it on every event', async () => {
    server.reset((_req, res, n) => (n < 3 ? reply(res, 503, 'busy', '0') : reply(res, 200, 'ok')));
    const policy = quickRetry(3);
    const events: unknown[] = [];
    policy.on('retry', (e) => events.push(e.correlationId));
    policy.on('attempt', (e) => events.push(e.correlationId));
    const asked: Array<[string, RequestInit | undefined]> = [];
    const init = { headers: { 'x-tenant': 't1' } };
    const http = resilientFetch(policy, {
      correlationId: (url, i) => {
        asked.push([url.href, i]);
        return 'req-7f3a 42';
      },
    });
    const res = await http(`${server.url}/users/1?x=1`, init);
    expect(res.status).toBe(200);
    expect(DEFAULT_CORRELATION_HEADER).toBe('x-correlation-id');
    expect(headersReceived('x-correlation-id')).toEqual(['req-7f3a 42', 'req-7f3a 42', 'req-7f3a 42']);
    expect(headersReceived('x-tenant')).toEqual(['t1', 't1', 't1']);
    expect(events).toEqual(Array(5).fill('req-7f3a 42'));
    expect(asked).toEqual([[`${server.url}/users/1?x=1`, init]]);
  });

  it('sends the same ID on a hedge as on the attempt it races', async () => {
    const held: ServerResponse[] = [];
    server.reset((_req, res, n) => {
      if (n === 1)
        held.push(res); // the first attempt hangs: the hedge wins
      else reply(res, 200, 'hedged');
    });
    const policy = hedge({ delay: 20 });
    const hedges: unknown[] = [];
    policy.on('hedge', (e) => hedges.push(e.correlationId));
    const http = resilientFetch(policy, { correlationId: () => 'req-hedge' });
    const res = await http(`${server.url}/slow`);
    expect(await res.text()).toBe('hedged');
    expect(server.received).toHaveLength(2);
    expect(headersReceived('x-correlation-id')).toEqual(['req-hedge', 'req-hedge']);
    expect(hedges).toEqual(['req-hedge']);
    for (const r of held) r.end();
  });

  it('never overwrites a header the caller set, in init or on a Request, in any case', async () => {
    server.reset((_req, res, n) => (n % 2 === 1 ? reply(res, 503, 'busy', '0') : reply(res, 200, 'ok')));
    const policy = quickRetry(2);
    const ids: unknown[] = [];
    policy.on('attempt', (e) => ids.push(e.correlationId));
    const http = resilientFetch(policy, { correlationId: () => 'from-function' });
    await http(`${server.url}/a`, { headers: { 'X-Correlation-ID': 'from-caller' } });
    await http(
      new Request(`${server.url}/b`, {
        headers: [
          ['x-correlation-id', 'on-request'],
          ['x-other', 'kept'],
        ],
      }),
    );
    await http(new Request(`${server.url}/c`, { headers: { 'x-other': 'kept' } }));
    expect(headersReceived('x-correlation-id')).toEqual([
      'from-caller',
      'from-caller',
      'on-request',
      'on-request',
      'from-function',
      'from-function',
    ]);
    expect(headersReceived('x-other')).toEqual([undefined, undefined, 'kept', 'kept', 'kept', 'kept']);
    // The call's correlationId is the function's, whatever went on the wire.
    expect(ids).toEqual(Array(6).fill('from-function'));
  });

  it('goes with an added Idempotency-Key, the same on every attempt of a POST', async () => {
    server.reset((_req, res, n) => (n < 2 ? reply(res, 503, 'busy', '0') : reply(res, 201, 'created')));
    const http = resilientFetch(quickRetry(2), { idempotencyKeys: true, correlationId: () => 'req-post' });
    const res = await http(`${server.url}/orders`, { method: 'POST', body: 'order' });
    expect(res.status).toBe(201);
    expect(headersReceived('x-correlation-id')).toEqual(['req-post', 'req-post']);
    const keys = headersReceived('idempotency-key');
    expect(keys[0]).toEqual(expect.any(String));
    expect(keys[1]).toBe(keys[0]);
  });

  it('sends it under correlationHeader, or not at all with false (the events still carry it)', async () => {
    server.reset((_req, res) => reply(res, 200, 'ok'));
    await resilientFetch(quickRetry(), { correlationId: () => 'abc', correlationHeader: 'X-Request-Id' })(
      `${server.url}/named`,
    );
    const silent = quickRetry();
    const ids: unknown[] = [];
    silent.on('attempt', (e) => ids.push(e.correlationId));
    await resilientFetch(silent, { correlationId: () => 'quiet', correlationHeader: false })(`${server.url}/none`);
    expect(server.received[0]?.headers['x-request-id']).toBe('abc');
    expect(server.received[0]?.headers['x-correlation-id']).toBeUndefined();
    expect(server.received[1]?.headers['x-correlation-id']).toBeUndefined();
    expect(ids).toEqual(['quiet']);
  });

  it('sends nothing when the function gives undefined or an empty string, or when there is no function', async () => {
    server.reset((_req, res) => reply(res, 200, 'ok'));
    const policy = pipeline(quickRetry());
    await resilientFetch(policy, { correlationId: () => undefined })(`${server.url}/1`);
    await resilientFetch(policy, { correlationId: () => '' })(`${server.url}/2`);
    await resilientFetch(policy)(`${server.url}/3`);
    expect(headersReceived('x-correlation-id')).toEqual([undefined, undefined, undefined]);
  });

  it('rejects the call, sending nothing, when the function gives something other than a string or throws', async () => {
    server.reset((_req, res) => reply(res, 200, 'ok'));
    const wrong = resilientFetch(quickRetry(), { correlationId: () => 42 as never });
    await expect(wrong(`${server.url}/x`)).rejects.toThrow(
      new TypeError('resilientFetch: correlationId must return a string or undefined, got 42'),
    );
    const boom = new Error('no store');
    const throwing = resilientFetch(quickRetry(), {
      correlationId: () => {
        throw boom;
      },
    });
    await expect(throwing(`${server.url}/y`)).rejects.toBe(boom);
    expect(server.received).toHaveLength(0);
  });

  it('checks the options at construction', () => {
    const policy = quickRetry();
    expect(() => resilientFetch(policy, { correlationId: 'abc' as never })).toThrow(
      new TypeError('resilientFetch: correlationId must be a function, got "abc"'),
    );
    expect(() => resilientFetch(policy, { correlationHeader: 'bad header' })).toThrow(
      new TypeError('resilientFetch: correlationHeader must be a header name or false, got "bad header"'),
    );
    expect(() => resilientFetch(policy, { correlationHeader: '' })).toThrow(TypeError);
    expect(() => resilientFetch(policy, { correlationHeader: true as never })).toThrow(TypeError);
  });
});
