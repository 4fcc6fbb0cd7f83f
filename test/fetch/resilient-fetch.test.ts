import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { constant, pipeline, retry } from '../../src/index.js';
import { resilientFetch } from '../../src/fetch/index.js';
import { VirtualClock } from '../../src/testing/index.js';
import { LocalServer, reply } from './local-server.js';

const server = new LocalServer();
beforeAll(() => server.start());
afterAll(() => server.stop());

/** A body larger than the loopback socket buffers hold, so an unread one stays unfinished on the server. */
const BIG = 16 * 1024 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function quickRetry(maxAttempts = 3) {
  return retry({ maxAttempts, backoff: constant(0) });
}

describe('resilientFetch against a real HTTP server', () => {
  it('never retries a POST without an Idempotency-Key after a 503, and returns the 503', async () => {
    server.reset((_req, res) => reply(res, 503, 'busy', '0'));
    const policy = quickRetry(5);
    const blocked: string[] = [];
    policy.on('retryBlocked', (e) => blocked.push(e.reason));
    const res = await resilientFetch(policy)(`${server.url}/orders`, { method: 'POST', body: '{"item":1}' });
    expect(res.status).toBe(503);
    expect(await res.text()).toBe('busy');
    expect(server.received).toHaveLength(1);
    expect(server.received[0]?.headers['idempotency-key']).toBeUndefined();
    expect(blocked).toEqual(['not-idempotent']);
  });

  it('retries a POST under idempotencyKeys: true, sending the same key on every attempt', async () => {
    server.reset((_req, res, n) => (n < 3 ? reply(res, 503, 'busy', '0') : reply(res, 201, 'created')));
    const http = resilientFetch(quickRetry(3), { idempotencyKeys: true });
    const res = await http(`${server.url}/orders`, { method: 'POST', body: 'order', headers: { 'x-tenant': 't1' } });
    expect(res.status).toBe(201);
    expect(server.received).toHaveLength(3);
    const keys = server.received.map((r) => r.headers['idempotency-key']);
    expect(keys[0]).toMatch(UUID);
    expect(new Set(keys).size).toBe(1);
    expect(server.received.map((r) => r.body)).toEqual(['order', 'order', 'order']);
    expect(server.received.every((r) => r.headers['x-tenant'] === 't1')).toBe(true);
  });

  it('gives each call its own idempotency key', async () => {
    server.reset((_req, res) => reply(res, 200, 'ok'));
    const http = resilientFetch(quickRetry(), { idempotencyKeys: true });
    await (await http(server.url, { method: 'POST' })).text();
    await (await http(server.url, { method: 'POST' })).text();
    expect(server.received[0]?.headers['idempotency-key']).not.toBe(server.received[1]?.headers['idempotency-key']);
  });

  it("retries a POST Request that carries its own Idempotency-Key, keeping the caller's key and body", async () => {
    server.reset((_req, res, n) => (n < 3 ? reply(res, 502, 'bad gateway') : reply(res, 200, 'ok')));
    const http = resilientFetch(quickRetry(3), { idempotencyKeys: true });
    const request = new Request(`${server.url}/pay`, {
      method: 'POST',
      body: 'amount=5',
      headers: { 'Idempotency-Key': 'caller-key-1' },
    });
    const res = await http(request);
    expect(res.status).toBe(200);
    expect(server.received.map((r) => [r.headers['idempotency-key'], r.body])).toEqual([
      ['caller-key-1', 'amount=5'],
      ['caller-key-1', 'amount=5'],
      ['caller-key-1', 'amount=5'],
    ]);
  });

  it('retries a GET after a 503 only once the Retry-After delay has passed', async () => {
    server.reset((_req, res, n) => (n === 1 ? reply(res, 503, 'later', '2') : reply(res, 200, 'fresh')));
    const clock = new VirtualClock();
    const policy = retry({ maxAttempts: 2, backoff: constant(0), clock });
    const delays: number[] = [];
    policy.on('retry', (e) => delays.push(e.delay));
    const pending = resilientFetch(policy)(`${server.url}/items`);
    await vi.waitFor(() => expect(delays).toEqual([2_000]));
    await clock.advance(1_999);
    expect(server.received).toHaveLength(1);
    await clock.advance(1);
    const res = await pending;
    expect(await res.text()).toBe('fresh');
    expect(server.received).toHaveLength(2);
  });

  it('caps a Retry-After beyond maxRetryAfter', async () => {
    server.reset((_req, res, n) => (n === 1 ? reply(res, 429, 'slow down', '3600') : reply(res, 200, 'ok')));
    const clock = new VirtualClock();
    const policy = retry({ maxAttempts: 2, backoff: constant(0), clock });
    const delays: number[] = [];
    policy.on('retry', (e) => delays.push(e.delay));
    const pending = resilientFetch(policy, { maxRetryAfter: 5_000 })(server.url);
    await vi.waitFor(() => expect(delays).toEqual([5_000]));
    await clock.advance(5_000);
    expect((await pending).status).toBe(200);
  });

  it('returns the last Response, body unread and readable, when attempts run out', async () => {
    server.reset((_req, res, n) => reply(res, 503, `attempt ${n}`, '0'));
    const res = await resilientFetch(quickRetry(3))(`${server.url}/flaky`);
    expect(res.status).toBe(503);
    expect(await res.text()).toBe('attempt 3');
    expect(server.received).toHaveLength(3);
  });

  it('does not retry a status outside failOn', async () => {
    server.reset((_req, res) => reply(res, 503, 'busy'));
    const res = await resilientFetch(quickRetry(3), { failOn: [500] })(server.url);
    expect(res.status).toBe(503);
    expect(server.received).toHaveLength(1);
  });

  it('cancels the bodies of discarded responses, so sockets are reused or closed, never held', async () => {
    const big = Buffer.alloc(BIG, 97);
    server.reset((_req, res, n) => (n % 3 === 0 ? reply(res, 200, 'ok') : reply(res, 503, big, '0')));
    const before = server.connections;
    const http = resilientFetch(quickRetry(3));
    for (let i = 0; i < 10; i++) {
      const res = await http(`${server.url}/big`);
      expect(await res.text()).toBe('ok');
    }
    expect(server.received).toHaveLength(30);
    // 20 large bodies were thrown away. Unread, each would pin its own socket with a
    // response the server cannot finish writing (see the control below); cancelled,
    // the client closes those connections or reads them to the end and reuses them.
    await vi.waitFor(() => expect(server.busy.size).toBe(0));
    expect(server.connections - before).toBeLessThanOrEqual(21);
  });

  it('holds sockets when bodies are not cancelled (the control experiment for the test above)', async () => {
    const big = Buffer.alloc(BIG, 97);
    server.reset((_req, res) => reply(res, 503, big));
    const held: Response[] = [];
    for (let i = 0; i < 4; i++) held.push(await fetch(`${server.url}/big`));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.busy.size).toBe(4);
    for (const res of held) await res.body?.cancel();
    await vi.waitFor(() => expect(server.busy.size).toBe(0));
  });

  it("rejects with the caller's reason when the caller aborts during the backoff", async () => {
    server.reset((_req, res) => reply(res, 503, 'busy', '5'));
    const clock = new VirtualClock();
    const policy = retry({ maxAttempts: 3, backoff: constant(0), clock });
    let retries = 0;
    policy.on('retry', () => retries++);
    const controller = new AbortController();
    const reason = new Error('user navigated away');
    const pending = resilientFetch(policy)(server.url, { signal: controller.signal });
    await vi.waitFor(() => expect(retries).toBe(1));
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(clock.pending).toBe(0);
    expect(server.received).toHaveLength(1);
  });

  it("rejects with the caller's reason when the caller aborts a request in flight, and the server sees it go", async () => {
    server.reset(() => undefined); // never answers
    const controller = new AbortController();
    const reason = new Error('stop');
    const request = new Request(`${server.url}/hang`, { signal: controller.signal });
    const pending = resilientFetch(quickRetry(3))(request);
    await vi.waitFor(() => expect(server.received).toHaveLength(1));
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    await vi.waitFor(() => expect(server.abortedResponses).toBe(1));
    expect(server.received).toHaveLength(1);
  });
});

describe('resilientFetch: the fetch function', () => {
  it('is called unbound, as a browser requires (its fetch throws "Illegal invocation" for another this)', async () => {
    const receivers: unknown[] = [];
    const strictFetch = function (this: unknown): Promise<Response> {
      receivers.push(this);
      return Promise.resolve(new Response('ok'));
    };
    const wrapped = resilientFetch(pipeline(), { fetch: strictFetch as unknown as typeof fetch });
    await wrapped('http://127.0.0.1:1/x');
    expect(receivers).toEqual([undefined]);
  });
});
