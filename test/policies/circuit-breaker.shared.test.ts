import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  BrokenCircuitError,
  circuitBreaker,
  type CircuitBreakerOptions,
  type CircuitBreakerPolicy,
  DEFAULT_QUORUM,
  DEFAULT_SHARE,
  DEFAULT_SYNC_MS,
  memoryStore,
  type MemoryStore,
} from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';

const fail = (): Promise<never> => Promise.reject(new Error('down'));
const ok = (): string => 'ok';
const settle = (p: Promise<unknown>): Promise<unknown> => p.catch((e: unknown) => e);

function fleet(
  n: number,
  options: CircuitBreakerOptions,
  clock = new VirtualClock(),
  store: MemoryStore = memoryStore({ clock }),
) {
  const breakers = Array.from({ length: n }, () => circuitBreaker({ name: 'payments', clock, store, ...options }));
  return { clock, store, breakers };
}

/** Lets the store's replies (promise callbacks) run. */
const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('circuitBreaker with a store: options', () => {
  it('pins the defaults: share "opens", quorum 1, syncMs 1,000', () => {
    expect([DEFAULT_SHARE, DEFAULT_QUORUM, DEFAULT_SYNC_MS]).toEqual(['opens', 1, 1_000]);
    expect(circuitBreaker({ name: 'x', store: memoryStore() }).store).toBeDefined();
    expect(circuitBreaker().store).toBeUndefined();
  });

  it.each([
    [
      { name: 'x', store: memoryStore(), quorum: 0 },
      RangeError,
      /circuitBreaker: quorum must be an integer >= 1, got 0/,
    ],
    [
      { name: 'x', store: memoryStore(), quorum: 1.5 },
      RangeError,
      /circuitBreaker: quorum must be an integer >= 1, got 1.5/,
    ],
    [
      { name: 'x', store: memoryStore(), syncMs: 0 },
      RangeError,
      /circuitBreaker: syncMs must be a positive finite number, got 0/,
    ],
    [
      { name: 'x', store: memoryStore(), share: 'all' },
      RangeError,
      /circuitBreaker: share must be one of "opens", "counts", got "all"/,
    ],
    [{ name: 'x', store: {} }, TypeError, /circuitBreaker: store must be a SharedStore/],
    [{ store: memoryStore() }, TypeError, /needs an explicit name/],
    [
      { name: 'x', store: memoryStore(), share: 'counts', window: { kind: 'consecutive', failures: 3 } },
      TypeError,
      /share "counts" merges time windows/,
    ],
  ])('rejects %o', (options, type, message) => {
    expect(() => circuitBreaker(options as never)).toThrow(type);
    expect(() => circuitBreaker(options as never)).toThrow(message);
  });
});

describe("circuitBreaker with a store: share 'opens'", () => {
  it('one opening opens every instance within syncMs + one call; the calls themselves wait for nothing', async () => {
    const { clock, breakers } = fleet(3, { window: { kind: 'consecutive', failures: 2 }, openFor: 5_000, syncMs: 100 });
    const [a, b, c] = breakers as [CircuitBreakerPolicy, CircuitBreakerPolicy, CircuitBreakerPolicy];
    await settle(b.execute(ok));
    await settle(c.execute(ok));
    await settle(a.execute(fail));
    await settle(a.execute(fail));
    expect(a.state).toBe('open');
    await flush();
    expect(b.state).toBe('closed');
    await clock.advance(100);
    await settle(b.execute(ok)); // decided locally; its sync learns of the opening
    await flush();
    expect(b.state).toBe('open');
    await clock.advance(100);
    await settle(c.execute(ok));
    await flush();
    expect(c.state).toBe('open');
    const error = await settle(c.execute(ok));
    expect(error).toBeInstanceOf(BrokenCircuitError);
    expect((error as BrokenCircuitError).retryAfter).toBeLessThanOrEqual(4_800);
    expect(clock.pending).toBe(0);
  });

  it('quorum 2: one opening opens no other instance, the second does', async () => {
    const { clock, breakers } = fleet(3, {
      window: { kind: 'consecutive', failures: 1 },
      openFor: 5_000,
      syncMs: 100,
      quorum: 2,
    });
    const [a, b, c] = breakers as [CircuitBreakerPolicy, CircuitBreakerPolicy, CircuitBreakerPolicy];
    await settle(a.execute(fail));
    await clock.advance(100);
    await settle(c.execute(ok));
    await flush();
    expect(c.state).toBe('closed');
    await settle(b.execute(fail));
    await clock.advance(100);
    await settle(c.execute(ok));
    await flush();
    expect(c.state).toBe('open');
  });

  it('half-open: one probe across all instances; its success closes every instance', async () => {
    const { clock, breakers } = fleet(3, { window: { kind: 'consecutive', failures: 1 }, openFor: 1_000, syncMs: 100 });
    const [a, b, c] = breakers as [CircuitBreakerPolicy, CircuitBreakerPolicy, CircuitBreakerPolicy];
    await settle(a.execute(fail));
    await clock.advance(100);
    await settle(b.execute(ok));
    await settle(c.execute(ok));
    await flush();
    expect([b.state, c.state]).toEqual(['open', 'open']);
    await clock.advance(1_000);
    let probes = 0;
    let release: () => void = () => {};
    const slow = (): Promise<string> =>
      new Promise((resolve) => {
        probes++;
        release = () => resolve('ok');
      });
    const first = a.execute(slow);
    await flush();
    const others = await Promise.all([settle(b.execute(slow)), settle(c.execute(slow))]);
    expect(others.every((e) => e instanceof BrokenCircuitError)).toBe(true);
    expect(probes).toBe(1);
    release();
    await first;
    expect(a.state).toBe('closed');
    await clock.advance(100);
    await settle(b.execute(ok));
    await settle(c.execute(ok));
    await flush();
    expect([b.state, c.state]).toEqual(['closed', 'closed']);
  });
});

describe("circuitBreaker with a store: share 'counts'", () => {
  const counts: CircuitBreakerOptions = {
    share: 'counts',
    minimumCalls: 10,
    failureRate: 0.5,
    syncMs: 100,
    openFor: 5_000,
  };

  it('opens the fleet on the merged counts before any instance has minimumCalls failures of its own', async () => {
    const { clock, breakers } = fleet(5, counts);
    let spent = 0;
    for (let round = 0; round < 5 && !breakers.every((b) => b.state === 'open'); round++) {
      for (const b of breakers) {
        if (b.state === 'closed') {
          spent++;
          await settle(b.execute(fail));
        }
      }
      await flush();
      await clock.advance(100);
    }
    for (const b of breakers) await settle(b.execute(ok));
    await flush();
    expect(breakers.map((b) => b.state)).toEqual(['open', 'open', 'open', 'open', 'open']);
    expect(spent).toBeLessThan(5 * 10);
    expect(spent).toBeLessThanOrEqual(2 * 10); // minimumCalls plus what one syncMs of staleness adds
  });

  it('one instance failing 100 % among four healthy ones with equal traffic opens none', async () => {
    const { clock, breakers } = fleet(5, counts);
    for (let round = 0; round < 30; round++) {
      for (const [i, b] of breakers.entries()) await settle(b.execute(i === 0 ? fail : ok));
      await flush();
      await clock.advance(100);
    }
    expect(breakers.map((b) => b.state)).toEqual(['closed', 'closed', 'closed', 'closed', 'closed']);
  });
});

describe('circuitBreaker with a degraded store: a local breaker, decision for decision', () => {
  it('property: random outcomes and delays give the same decisions as a breaker without a store', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<CircuitBreakerOptions>(
          { window: { kind: 'consecutive', failures: 3 }, openFor: 500 },
          { window: { kind: 'count', size: 10 }, minimumCalls: 4, failureRate: 0.5, openFor: 300 },
          { window: { kind: 'time', ms: 1_000, buckets: 4 }, minimumCalls: 3, openFor: 200, halfOpen: { probes: 2 } },
        ),
        fc.constantFrom<'opens' | 'counts'>('opens', 'counts'),
        fc.array(
          fc.record({ gap: fc.integer({ min: 0, max: 400 }), ok: fc.boolean(), ms: fc.integer({ min: 0, max: 50 }) }),
          { minLength: 1, maxLength: 60 },
        ),
        async (options, share, calls) => {
          if (share === 'counts' && options.window?.kind !== 'time') share = 'opens';
          const clock = new VirtualClock();
          const store = memoryStore({ clock });
          store.degrade();
          const local = circuitBreaker({ ...options, clock });
          const shared = circuitBreaker({ ...options, clock, name: 'shared', store, share, syncMs: 50 });
          const run = (b: CircuitBreakerPolicy, c: { ok: boolean; ms: number }): Promise<string> =>
            b
              .execute(
                () =>
                  new Promise<string>((resolve, reject) =>
                    clock.setTimeout(() => (c.ok ? resolve('ok') : reject(new Error('x'))), c.ms),
                  ),
              )
              .then(
                () => 'ok',
                (e: unknown) => (e instanceof BrokenCircuitError ? `broken ${e.retryAfter}` : 'failed'),
              );
          for (const c of calls) {
            await clock.advance(c.gap);
            const both = Promise.all([run(local, c), run(shared, c)]);
            await clock.advance(c.ms);
            const [x, y] = await both;
            if (x !== y || local.state !== shared.state) return false;
          }
          return true;
        },
      ),
      { numRuns: 200 },
    );
  });
});
