import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bulkhead, BulkheadRejectedError, keyed } from '../../src/index.js';

/**
 * Two downstream services on one real server: `/fast` answers at once, `/slow`
 * holds every request until the test lets it go (no sleeps).
 */
let server: Server;
let base: string;
const held: ServerResponse[] = [];
let heldArrived: () => void = () => undefined;

function releaseSlow(): void {
  for (const res of held.splice(0)) res.end('slow');
}

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/slow') {
      held.push(res);
      heldArrived();
      return;
    }
    res.end('fast');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  releaseSlow();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('bulkhead: a pool per real dependency', () => {
  it('keeps the fast dependency succeeding while the slow dependency fills its own pool', async () => {
    const pools = keyed(() => bulkhead({ maxConcurrent: 2, maxQueue: 1 }));
    const get = (path: string) =>
      pools.execute(
        async ({ signal }) => {
          const res = await fetch(`${base}${path}`, { signal });
          return res.text();
        },
        { key: path },
      );

    const twoArrived = new Promise<void>((resolve) => {
      heldArrived = () => {
        if (held.length === 2) resolve();
      };
    });
    // Fill the slow pool: two requests held by the server, one waiting in the queue.
    const slow = [get('/slow'), get('/slow'), get('/slow')];
    await twoArrived;
    const slowPool = pools.get('/slow');
    expect(slowPool.active).toBe(2);
    expect(slowPool.queued).toBe(1);
    // The slow pool is full: the next slow call is refused at once, without reaching the server.
    await expect(get('/slow')).rejects.toBeInstanceOf(BulkheadRejectedError);
    expect(held.length).toBe(2);

    // Meanwhile the fast dependency's calls keep succeeding through their own pool.
    for (let round = 0; round < 5; round++) {
      expect(await Promise.all([get('/fast'), get('/fast'), get('/fast')])).toEqual(['fast', 'fast', 'fast']);
    }
    expect(slowPool.active).toBe(2);

    // Let the slow dependency answer: the queued call runs next and everything drains.
    const thirdArrived = new Promise<void>((resolve) => {
      heldArrived = resolve;
    });
    releaseSlow();
    await thirdArrived;
    releaseSlow();
    expect(await Promise.all(slow)).toEqual(['slow', 'slow', 'slow']);
    await new Promise((r) => setImmediate(r));
    expect(slowPool.active).toBe(0);
    expect(slowPool.queued).toBe(0);
  });
});
