// The cache in front of a real HTTP dependency (node:http on 127.0.0.1): a
// burst costs the dependency one request per key, and an outage is ridden out
// on the entries still within ttl + staleIfError. Time is the VirtualClock's;
// the network is real.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cache } from '../../src/cache/index.js';
import { pipeline, timeout } from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';

let server: Server;
let base: string;
/** Requests the dependency received, by path. */
const received = new Map<string, number>();

/** Starts the dependency on a free port. */
async function listen(): Promise<void> {
  server = createServer((req, res) => {
    const path = req.url ?? '';
    received.set(path, (received.get(path) ?? 0) + 1);
    // Answer on a later turn, so that concurrent callers really overlap.
    setImmediate(() => res.setHeader('content-type', 'application/json').end(JSON.stringify({ path, at: Date.now() })));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function stop(): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

beforeAll(listen);

afterAll(async () => {
  if (server.listening) await stop();
});

const total = () => [...received.values()].reduce((a, b) => a + b, 0);

describe('cache: against a real HTTP dependency', () => {
  it('1,000 concurrent requests for 10 keys make at most 10 dependency requests; an outage is served from the entries within ttl + staleIfError', async () => {
    const clock = new VirtualClock();
    const users = cache({ ttl: 1_000, staleIfError: 60_000, clock, maxEntries: 100 });
    const stale: unknown[] = [];
    users.on('stale', (e) => stale.push(e.key));
    const client = pipeline(users, timeout(5_000));
    const get = (id: string) =>
      client.execute(
        async ({ signal }) => {
          const res = await fetch(`${base}/users/${id}`, { signal });
          if (!res.ok) throw new Error(`HTTP ${res.status}`);
          return (await res.json()) as { path: string };
        },
        { key: id, idempotent: true },
      );
    const keys = Array.from({ length: 10 }, (_, i) => `u${i}`);

    // The burst: 100 callers per key, all at once.
    const answers = await Promise.all(Array.from({ length: 1_000 }, (_, i) => get(keys[i % 10] as string)));
    expect(total()).toBeLessThanOrEqual(10);
    expect(total()).toBe(10);
    for (const [i, answer] of answers.entries()) expect(answer.path).toBe(`/users/${keys[i % 10]}`);
    // Fresh: a second burst costs nothing.
    await Promise.all(Array.from({ length: 1_000 }, (_, i) => get(keys[i % 10] as string)));
    expect(total()).toBe(10);
    const first = await get('u0');

    // A key cached later than the others, so it outlives them.
    await clock.advance(30_000);
    await get('late');
    expect(total()).toBe(11);

    // The outage: the dependency is gone (connections refused), every entry expired.
    await stop();
    await clock.advance(2_000);
    const during = await Promise.all(Array.from({ length: 1_000 }, (_, i) => get(keys[i % 10] as string)));
    for (const [i, answer] of during.entries()) expect(answer.path).toBe(`/users/${keys[i % 10]}`);
    expect(await get('u0')).toEqual(first);
    expect(new Set(stale)).toEqual(new Set(keys));
    // A key never cached has nothing to fall back on.
    await expect(get('never-cached')).rejects.toThrow();

    // Past ttl + staleIfError of the early keys (cached at 0) but not of the late one (cached at 30 s).
    await clock.advance(61_000 - 32_000);
    for (const id of keys) await expect(get(id)).rejects.toThrow();
    expect((await get('late')).path).toBe('/users/late');

    // The dependency is back: expired keys are fetched again, one request each.
    await listen();
    const before = total();
    await Promise.all(Array.from({ length: 100 }, (_, i) => get(keys[i % 10] as string)));
    expect(total() - before).toBe(10);
    expect(clock.pending).toBe(0);
  });
});
