import { describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import {
  DEFAULT_RATE_LIMIT_MAX_KEYS,
  DEFAULT_RATE_LIMIT_MODE,
  memoryStore,
  rateLimit,
  RateLimitedError,
  type RateLimitPolicy,
} from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';

const ok = (): string => 'ok';

async function admitted(p: Promise<unknown>): Promise<boolean> {
  try {
    await p;
    return true;
  } catch (error) {
    if (error instanceof RateLimitedError) return false;
    throw error;
  }
}

async function run(policy: RateLimitPolicy, n: number, key?: string): Promise<number> {
  let count = 0;
  for (let i = 0; i < n; i++) if (await admitted(policy.execute(ok, { key }))) count++;
  return count;
}

describe('rateLimit with a store: options', () => {
  it('pins the defaults: strict mode, lease max(1, ceil(burst / 10)), 1,000 local keys', () => {
    expect(DEFAULT_RATE_LIMIT_MODE).toBe('strict');
    expect(DEFAULT_RATE_LIMIT_MAX_KEYS).toBe(1_000);
    const store = memoryStore();
    expect(rateLimit({ name: 'a', limit: 100, perMs: 1_000, store }).mode).toBe('strict');
    expect(rateLimit({ name: 'a', limit: 100, perMs: 1_000, store, mode: 'lease' }).lease).toBe(10);
    expect(rateLimit({ name: 'a', limit: 100, perMs: 1_000, burst: 25, store, mode: 'lease' }).lease).toBe(3);
    expect(rateLimit({ name: 'a', limit: 5, perMs: 1_000, store, mode: 'lease' }).lease).toBe(1);
    expect(rateLimit({ name: 'a', limit: 5, perMs: 1_000, store, mode: 'lease', lease: 4 }).lease).toBe(4);
  });

  it.each([
    [{ store: memoryStore() }, TypeError, /needs an explicit name/],
    [{ name: 'a', store: {} }, TypeError, /rateLimit: store must be a SharedStore .*, got an object/],
    [
      { name: 'a', store: memoryStore(), mode: 'fast' },
      RangeError,
      /rateLimit: mode must be one of "strict", "lease", got "fast"/,
    ],
    [{ name: 'a', store: memoryStore(), mode: 1 }, TypeError, /rateLimit: mode must be one of/],
    [
      { name: 'a', store: memoryStore(), mode: 'lease', lease: 0 },
      RangeError,
      /rateLimit: lease must be an integer >= 1, got 0/,
    ],
    [{ name: 'a', store: memoryStore(), lease: 1.5 }, RangeError, /rateLimit: lease must be an integer >= 1, got 1.5/],
    [{ name: 'a', store: memoryStore(), maxKeys: 0 }, RangeError, /rateLimit: maxKeys must be an integer >= 1, got 0/],
  ])('rejects %o', (extra, type, message) => {
    expect(() => rateLimit({ limit: 1, perMs: 1, ...(extra as object) })).toThrow(type);
    expect(() => rateLimit({ limit: 1, perMs: 1, ...(extra as object) })).toThrow(message);
  });
});

describe('rateLimit with a store: strict', () => {
  it('two policies of one name share one bucket; another name has its own', async () => {
    const clock = new VirtualClock();
    const store = memoryStore({ clock });
    const a = rateLimit({ name: 'api', limit: 4, perMs: 1_000, store, clock });
    const b = rateLimit({ name: 'api', limit: 4, perMs: 1_000, store, clock });
    const other = rateLimit({ name: 'other', limit: 4, perMs: 1_000, store, clock });
    expect(await run(a, 3)).toBe(3);
    expect(await run(b, 3)).toBe(1);
    expect(await run(other, 5)).toBe(4);
  });

  it('keys the bucket by the call key: a limit per tenant across instances', async () => {
    const clock = new VirtualClock();
    const store = memoryStore({ clock });
    const a = rateLimit({ name: 'api', limit: 2, perMs: 1_000, store, clock });
    const b = rateLimit({ name: 'api', limit: 2, perMs: 1_000, store, clock });
    expect(await run(a, 2, 't1')).toBe(2);
    expect(await run(b, 2, 't1')).toBe(0);
    expect(await run(b, 2, 't2')).toBe(2);
  });

  it('rejects with RateLimitedError whose retryAfter is the time to the next token, and emits rejected', async () => {
    const clock = new VirtualClock();
    const store = memoryStore({ clock });
    const r = rateLimit({ name: 'api', limit: 10, perMs: 1_000, burst: 1, store, clock });
    const seen: number[] = [];
    r.on('rejected', (e) => seen.push(e.retryAfter));
    await r.execute(ok);
    await clock.advance(30);
    const error = await r.execute(ok).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfter).toBe(70);
    expect((error as RateLimitedError).executed).toBe(false);
    expect(seen).toEqual([70]);
  });

  it('a caller who aborts while the store answers gets signal.reason and fn never runs', async () => {
    const store = memoryStore({ clock: new VirtualClock() });
    const r = rateLimit({ name: 'api', limit: 10, perMs: 1_000, store });
    const controller = new AbortController();
    const fn = vi.fn(ok);
    const p = r.execute(fn, { signal: controller.signal });
    controller.abort(new Error('bye'));
    await expect(p).rejects.toThrow('bye');
    await Promise.resolve();
    expect(fn).not.toHaveBeenCalled();
  });
});

describe('rateLimit with a store: lease', () => {
  it('takes lease tokens per round trip and spends them locally', async () => {
    const clock = new VirtualClock();
    const store = memoryStore({ clock });
    const take = vi.spyOn(store, 'take');
    const r = rateLimit({ name: 'api', limit: 100, perMs: 1_000, store, clock, mode: 'lease', lease: 10 });
    expect(await run(r, 30)).toBe(30);
    expect(take).toHaveBeenCalledTimes(3);
    expect(take.mock.calls.every((c) => c[3] === 10)).toBe(true);
  });

  it('concurrent calls that find no token share one round trip', async () => {
    const clock = new VirtualClock();
    const store = memoryStore({ clock });
    const take = vi.spyOn(store, 'take');
    const r = rateLimit({ name: 'api', limit: 100, perMs: 1_000, store, clock, mode: 'lease', lease: 5 });
    const results = await Promise.all(Array.from({ length: 5 }, () => admitted(r.execute(ok))));
    expect(results).toEqual([true, true, true, true, true]);
    expect(take).toHaveBeenCalledTimes(1);
  });

  it('overshoot is at most instances × lease; an empty bucket is remembered until its retryAfter', async () => {
    const clock = new VirtualClock();
    const store = memoryStore({ clock });
    const take = vi.spyOn(store, 'take');
    const instances = [1, 2, 3].map(() =>
      rateLimit({ name: 'api', limit: 10, perMs: 1_000, store, clock, mode: 'lease', lease: 3 }),
    );
    let total = 0;
    for (let round = 0; round < 10; round++) for (const r of instances) total += await run(r, 2);
    expect(total).toBe(10); // the bucket (10) is all there is: leases only move tokens
    const before = take.mock.calls.length;
    for (const r of instances) expect(await run(r, 3)).toBe(0);
    expect(take.mock.calls.length).toBe(before); // refused locally until the bucket refills
    const error = await instances[0]!.execute(ok).catch((e: unknown) => e);
    expect((error as RateLimitedError).retryAfter).toBeGreaterThan(0);
    expect((error as RateLimitedError).retryAfter).toBeLessThanOrEqual(100);
  });
});

describe('rateLimit with a store: degraded', () => {
  it('decides locally at once, one bucket per key of the same limit, in an LRU of maxKeys', async () => {
    const clock = new VirtualClock();
    const store = memoryStore({ clock });
    const r = rateLimit({ name: 'api', limit: 2, perMs: 1_000, store, clock, maxKeys: 2 });
    store.degrade();
    const take = vi.spyOn(store, 'take');
    expect(await run(r, 3, 'a')).toBe(2);
    expect(await run(r, 3, 'b')).toBe(2);
    expect(await run(r, 1, 'c')).toBe(1); // evicts a
    expect(await run(r, 1, 'a')).toBe(1); // a fresh local bucket
    expect(take.mock.results.every((x) => x.value === undefined)).toBe(true);
    store.restore();
    expect(await run(r, 3, 'a')).toBe(2); // the store's bucket was never touched
  });

  it('lease mode falls back to the same local buckets', async () => {
    const clock = new VirtualClock();
    const store = memoryStore({ clock });
    const r = rateLimit({ name: 'api', limit: 4, perMs: 1_000, store, clock, mode: 'lease', lease: 2 });
    store.degrade();
    expect(await run(r, 6)).toBe(4);
    await clock.advance(500);
    expect(await run(r, 6)).toBe(2);
  });

  it('a degraded decision is synchronous: no round trip, no microtask before fn', () => {
    const store = memoryStore({ clock: new VirtualClock() });
    const r = rateLimit({ name: 'api', limit: 2, perMs: 1_000, store });
    store.degrade();
    const fn = vi.fn(ok);
    void r.execute(fn);
    expect(fn).toHaveBeenCalledTimes(1);
  });
});

describe('rateLimit with a store: property', () => {
  it('admitted <= burst + limit × elapsed / perMs over random arrivals, instances and modes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          limit: fc.integer({ min: 1, max: 20 }),
          perMs: fc.integer({ min: 10, max: 2_000 }),
          burst: fc.integer({ min: 1, max: 20 }),
          instances: fc.integer({ min: 1, max: 3 }),
          mode: fc.constantFrom('strict' as const, 'lease' as const),
          lease: fc.integer({ min: 1, max: 5 }),
          degradeAt: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
        }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 300 }), fc.nat(2)), { minLength: 1, maxLength: 60 }),
        async (o, arrivals) => {
          const clock = new VirtualClock();
          const store = memoryStore({ clock });
          const policies = Array.from({ length: o.instances }, () =>
            rateLimit({
              name: 'p',
              limit: o.limit,
              perMs: o.perMs,
              burst: o.burst,
              store,
              clock,
              mode: o.mode,
              lease: o.lease,
            }),
          );
          let count = 0;
          let i = 0;
          for (const [gap, who] of arrivals) {
            await clock.advance(gap);
            if (o.degradeAt === i++) store.degrade();
            if (await admitted((policies[who % o.instances] as RateLimitPolicy).execute(ok))) count++;
            const bound = o.burst + (o.limit * clock.now()) / o.perMs;
            // While degraded each instance has its own local bucket of the same rule.
            const allowed = store.degraded ? (o.instances + 1) * bound : bound;
            if (count > allowed + 1e-9) return false;
          }
          return true;
        },
      ),
      { numRuns: 200 },
    );
  });
});
