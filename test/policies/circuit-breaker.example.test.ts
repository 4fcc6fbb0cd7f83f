import { afterEach, describe, expect, it, vi } from 'vitest';
import { circuitBreaker, isBrokenCircuitError, pipeline, timeout } from '../../src/index.js';

// ---- the example of docs/circuit-breaker.md, unchanged ----
class HttpError extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

const breaker = circuitBreaker({
  window: { kind: 'time', ms: 30_000, buckets: 10 },
  minimumCalls: 20,
  failureRate: 0.5,
  // 5 s, then 10 s, 20 s, ... up to a minute while the dependency keeps failing its probes.
  openFor: (opens) => Math.min(60_000, 5_000 * 2 ** (opens - 1)),
  // A 4xx means the dependency answered: only 5xx, timeouts and network errors count.
  failOn: (outcome) => !outcome.ok && !(outcome.error instanceof HttpError && outcome.error.status < 500),
});
breaker.on('stateChange', ({ from, to, reason }) => console.warn(`users API: ${from} -> ${to} (${reason})`));

// The per-attempt timeout inside the breaker: a timeout counts as a failure.
const users = pipeline(breaker, timeout(2_000));

export async function getUser(id: string): Promise<unknown> {
  try {
    return await users.execute(async ({ signal }) => {
      const res = await fetch(`https://users.example.com/users/${id}`, { signal });
      if (!res.ok) {
        await res.body?.cancel();
        throw new HttpError(res.status);
      }
      return res.json();
    });
  } catch (error) {
    // Open: answer without the dependency (a cache, a default) and say when to look again.
    if (isBrokenCircuitError(error)) return { id, unavailable: true, retryAfterMs: error.retryAfter };
    throw error;
  }
}
// ---- end of the example ----

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  breaker.reset();
});

describe('circuitBreaker: the fetch example of the docs', () => {
  it('serves users, lets 4xx pass, and opens after 20 calls with half of them 5xx', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    let status = 200;
    const fetchStub = vi.fn(async () => new Response(JSON.stringify({ name: 'Ada' }), { status }));
    vi.stubGlobal('fetch', fetchStub);
    await expect(getUser('1')).resolves.toEqual({ name: 'Ada' });
    status = 404;
    for (let i = 0; i < 9; i++) await expect(getUser('x')).rejects.toBeInstanceOf(HttpError);
    expect(breaker.state).toBe('closed'); // 4xx counted as successes
    status = 503;
    for (let i = 0; i < 9; i++) await expect(getUser('2')).rejects.toBeInstanceOf(HttpError);
    expect(breaker.state).toBe('closed'); // 19 calls: below minimumCalls
    await expect(getUser('2')).rejects.toBeInstanceOf(HttpError);
    expect(breaker.state).toBe('open'); // 10 of 20 failed
    const calls = fetchStub.mock.calls.length;
    const answer = (await getUser('3')) as { unavailable: boolean; retryAfterMs: number };
    expect(answer.unavailable).toBe(true);
    expect(answer.retryAfterMs).toBeGreaterThan(4_900);
    expect(fetchStub.mock.calls.length).toBe(calls); // the dependency was left alone
    expect(warn).toHaveBeenCalledWith('users API: closed -> open (failureRate)');
  });
});
