import { describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import {
  bulkhead,
  type BulkheadPolicy,
  type Context,
  DEFAULT_KEY,
  DEFAULT_MAX_KEYS,
  isBulkheadRejectedError,
  keyed,
  type Policy,
  pipeline,
  timeout,
  TimeoutError,
} from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';
import { flush, gate } from '../support/async.js';

describe('keyed: defaults and validation', () => {
  it('pins the defaults: 1000 keys, no idle eviction, key "default", name "keyed"', () => {
    expect(DEFAULT_MAX_KEYS).toBe(1000);
    expect(DEFAULT_KEY).toBe('default');
    const k = keyed(() => bulkhead({ maxConcurrent: 1 }));
    expect(k.maxKeys).toBe(1000);
    expect(k.idleMs).toBeUndefined();
    expect(k.name).toBe('keyed');
    expect(k.size).toBe(0);
  });

  it.each([
    [{ maxKeys: 0 }, RangeError, 'keyed: maxKeys must be an integer >= 1, got 0'],
    [{ maxKeys: 2.5 }, RangeError, 'keyed: maxKeys must be an integer >= 1, got 2.5'],
    [{ maxKeys: Infinity }, RangeError, 'keyed: maxKeys must be an integer >= 1, got Infinity'],
    [{ maxKeys: '10' }, TypeError, 'keyed: maxKeys must be an integer >= 1, got "10"'],
    [{ idleMs: 0 }, RangeError, 'keyed: idleMs must be a positive finite number, got 0'],
    [{ idleMs: -1 }, RangeError, 'keyed: idleMs must be a positive finite number, got -1'],
    [{ idleMs: NaN }, RangeError, 'keyed: idleMs must be a positive finite number, got NaN'],
    [
      { clock: Date },
      TypeError,
      'keyed: clock must be an object with now, setTimeout and clearTimeout, got a function',
    ],
  ])('rejects %o at construction, naming the option and the value', (options, type, message) => {
    expect(() => keyed(() => bulkhead({ maxConcurrent: 1 }), options as never)).toThrow(type);
    expect(() => keyed(() => bulkhead({ maxConcurrent: 1 }), options as never)).toThrow(message);
  });

  it('rejects a factory that is not a function, and options that are not an object', () => {
    expect(() => keyed('bulkhead' as never)).toThrow(TypeError);
    expect(() => keyed('bulkhead' as never)).toThrow('keyed: factory must be a function, got "bulkhead"');
    expect(() => keyed(() => bulkhead({ maxConcurrent: 1 }), [] as never)).toThrow(
      'keyed: options must be an object, got an array',
    );
  });

  it('rejects the call (and keeps no pool) when the factory throws or returns something that is not a policy', async () => {
    const boom = new Error('factory broke');
    const k = keyed((key): Policy => {
      if (key === 'bad') return 42 as never;
      throw boom;
    });
    await expect(k.execute(() => 1, { key: 'x' })).rejects.toBe(boom);
    await expect(k.execute(() => 1, { key: 'bad' })).rejects.toThrow(
      'keyed: factory must return a policy (an object with execute), got number for key "bad"',
    );
    expect(k.size).toBe(0);
  });
});

describe('keyed: pools per key', () => {
  it('makes a pool on first use of each key, and uses "default" for a call without a key', async () => {
    const factory = vi.fn((_key: string) => bulkhead({ maxConcurrent: 2 }));
    const k = keyed(factory);
    const created: unknown[] = [];
    k.on('created', (e) => created.push([e.key, e.pool, e.policy]));
    await k.execute(() => 1, { key: 'a' });
    await k.execute(() => 1, { key: 'a' });
    await k.execute(() => 1);
    expect(factory.mock.calls.map((c) => c[0])).toEqual(['a', 'default']);
    expect(k.keys()).toEqual(['a', 'default']);
    expect(k.size).toBe(2);
    expect(k.has('a')).toBe(true);
    expect(k.has('b')).toBe(false);
    expect(created).toEqual([
      ['a', k.get('a'), 'keyed'],
      ['default', k.get('default'), 'keyed'],
    ]);
  });

  it('get makes the pool if needed, delete drops it and emits evicted { reason: "deleted" }', () => {
    const k = keyed(() => bulkhead({ maxConcurrent: 1 }));
    const evicted: unknown[] = [];
    k.on('evicted', (e) => evicted.push([e.key, e.reason]));
    const a = k.get('a');
    expect(k.get('a')).toBe(a);
    expect(k.delete('a')).toBe(true);
    expect(k.delete('a')).toBe(false);
    expect(k.has('a')).toBe(false);
    expect(k.get('a')).not.toBe(a);
    expect(evicted).toEqual([['a', 'deleted']]);
  });

  it('passes the context through: signal, deadline and key reach the function', async () => {
    const clock = new VirtualClock(1_000);
    const k = keyed(() => bulkhead({ maxConcurrent: 1, clock }), { clock });
    const seen: Context[] = [];
    const p = pipeline(timeout(50, { clock }), k);
    const call = p.execute(
      (ctx) => {
        seen.push(ctx);
        return new Promise((_r, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));
      },
      { key: 'users', correlationId: 'c1' },
    );
    const result = call.catch((e: unknown) => e);
    await clock.advance(50);
    expect(await result).toBeInstanceOf(TimeoutError);
    expect(seen[0]?.deadline).toBe(1_050);
    expect(seen[0]?.key).toBe('users');
    expect(seen[0]?.correlationId).toBe('c1');
    expect(seen[0]?.signal.aborted).toBe(true);
  });

  it('works for any policy, including one from elsewhere that only has execute', async () => {
    const seen: unknown[] = [];
    const foreign: Policy = {
      execute: (fn, options) => {
        seen.push(options?.key);
        return Promise.resolve(fn({} as Context)) as never;
      },
    };
    const k = keyed(() => foreign);
    expect(await k.execute(() => 'v', { key: 'k1' })).toBe('v');
    expect(seen).toEqual(['k1']);
  });

  it('rejects an already aborted call with signal.reason without making a pool', async () => {
    const k = keyed(() => bulkhead({ maxConcurrent: 1 }));
    const reason = new Error('stop');
    await expect(k.execute(() => 1, { key: 'a', signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(k.size).toBe(0);
  });
});

describe('keyed: bounded memory', () => {
  it('keeps at most maxKeys 100 pools alive after 100,000 distinct keys', async () => {
    const k = keyed(() => bulkhead({ maxConcurrent: 1 }), { maxKeys: 100 });
    let evictions = 0;
    k.on('evicted', () => evictions++);
    let peak = 0;
    for (let i = 0; i < 100_000; i += 1_000) {
      const batch: Promise<unknown>[] = [];
      for (let j = i; j < i + 1_000; j++) batch.push(k.execute(() => j, { key: `key-${j}` }));
      peak = Math.max(peak, k.size);
      await Promise.all(batch);
      await flush();
    }
    expect(k.size).toBeLessThanOrEqual(100);
    expect(evictions).toBe(100_000 - k.size);
    // Only the keys with a call in flight at once push it over, and only while they run.
    expect(peak).toBeLessThanOrEqual(1_000 + 100);
  });

  it('evicts the least recently used pool first', async () => {
    const k = keyed(() => bulkhead({ maxConcurrent: 1 }), { maxKeys: 2 });
    const evicted: string[] = [];
    k.on('evicted', (e) => evicted.push(`${e.key}:${e.reason}`));
    await k.execute(() => 1, { key: 'a' });
    await k.execute(() => 1, { key: 'b' });
    await k.execute(() => 1, { key: 'a' });
    await k.execute(() => 1, { key: 'c' });
    await flush();
    expect(evicted).toEqual(['b:lru']);
    expect(k.keys().sort()).toEqual(['a', 'c']);
  });

  it('never evicts a pool with a call in flight, however many other keys come', async () => {
    const k = keyed(() => bulkhead({ maxConcurrent: 1 }), { maxKeys: 10 });
    const g = gate();
    const busy = k.execute(g.fn, { key: 'busy' });
    const pool = k.get('busy');
    for (let i = 0; i < 1_000; i++) await k.execute(() => i, { key: `other-${i}` });
    await flush();
    expect(k.has('busy')).toBe(true);
    expect(k.get('busy')).toBe(pool);
    expect(k.size).toBeLessThanOrEqual(10);
    // The busy pool still enforces its limit: its state survived.
    await expect(k.execute(() => 1, { key: 'busy' })).rejects.toMatchObject({ reason: 'full' });
    g.release();
    await busy;
  });

  it('lets more than maxKeys pools live only while every one has a call in flight, then shrinks back', async () => {
    const k = keyed(() => bulkhead({ maxConcurrent: 1 }), { maxKeys: 2 });
    const gates = [gate(), gate(), gate()];
    const calls = gates.map((g, i) => k.execute(g.fn, { key: `k${i}` }));
    expect(k.size).toBe(3);
    expect(k.keys().sort()).toEqual(['k0', 'k1', 'k2']);
    for (const g of gates) g.release();
    await Promise.all(calls);
    await flush();
    expect(k.size).toBe(2);
  });

  it('evicts a pool unused for idleMs lazily, holding no timer', async () => {
    const clock = new VirtualClock();
    const k = keyed(() => bulkhead({ maxConcurrent: 1, clock }), { idleMs: 1_000, clock });
    const evicted: string[] = [];
    k.on('evicted', (e) => evicted.push(`${e.key}:${e.reason}`));
    await k.execute(() => 1, { key: 'a' });
    await clock.advance(600);
    await k.execute(() => 1, { key: 'b' });
    expect(clock.pending).toBe(0);
    await clock.advance(400);
    expect(k.has('a')).toBe(false);
    expect(k.has('b')).toBe(true);
    await clock.advance(600);
    expect(k.keys()).toEqual([]);
    expect(evicted).toEqual(['a:idle', 'b:idle']);
    expect(clock.pending).toBe(0);
  });

  it('does not idle-evict a pool while its call is in flight, and counts idleness from when the call settles', async () => {
    const clock = new VirtualClock();
    const k = keyed(() => bulkhead({ maxConcurrent: 1, clock }), { idleMs: 100, clock });
    let release!: () => void;
    const slow = k.execute(() => new Promise<void>((r) => (release = r)), { key: 'slow' });
    await clock.advance(500);
    expect(k.has('slow')).toBe(true);
    release();
    await slow;
    await flush();
    await clock.advance(99);
    expect(k.has('slow')).toBe(true);
    await clock.advance(1);
    expect(k.has('slow')).toBe(false);
  });
});

describe('keyed: isolation between keys', () => {
  it("one key saturating its pool never rejects another key's call", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 2, maxLength: 6 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 2 }),
        async (keys, maxConcurrent, maxQueue) => {
          const k = keyed(() => bulkhead({ maxConcurrent, maxQueue }), { maxKeys: keys.length });
          const [hot, ...others] = keys as [string, ...string[]];
          const g = gate();
          const hotCalls = Array.from({ length: maxConcurrent + maxQueue }, () => k.execute(g.fn, { key: hot }));
          await expect(k.execute(() => 1, { key: hot })).rejects.toSatisfy(isBulkheadRejectedError);
          for (const key of others) {
            const results = await Promise.all(
              Array.from({ length: maxConcurrent }, (_, i) => k.execute(() => i, { key })),
            );
            expect(results).toHaveLength(maxConcurrent);
          }
          expect((k.get(hot) as BulkheadPolicy).active).toBe(maxConcurrent);
          g.release();
          await Promise.all(hotCalls);
        },
      ),
      { numRuns: 50 },
    );
  });
});

/** A keyed policy that records every eviction as `key:reason`. */
function recorded(options: { maxKeys?: number; idleMs?: number; clock?: VirtualClock }) {
  const made: string[] = [];
  const evicted: string[] = [];
  const k = keyed((key) => {
    made.push(key);
    return bulkhead({ maxConcurrent: 10 });
  }, options);
  k.on('evicted', (e) => evicted.push(`${String(e.key)}:${e.reason}`));
  return { k, made, evicted };
}

describe('keyed: get()', () => {
  it('a pool made by get() holds no call and is evicted first when it is least recently used', () => {
    const { k, evicted } = recorded({ maxKeys: 1 });
    k.get('a');
    k.get('b');
    expect(k.keys()).toEqual(['b']);
    expect(evicted).toEqual(['a:lru']);
  });

  it('get() of an existing pool makes it the most recently used', () => {
    const { k, evicted } = recorded({ maxKeys: 2 });
    k.get('a');
    k.get('b');
    k.get('a');
    k.get('c');
    expect(evicted).toEqual(['b:lru']);
    k.get('d');
    expect(evicted).toEqual(['b:lru', 'a:lru']);
    expect(k.keys()).toEqual(['c', 'd']);
  });

  it('with maxKeys 2, two pools live side by side', () => {
    const { k, evicted } = recorded({ maxKeys: 2 });
    k.get('a');
    k.get('b');
    expect(k.keys()).toEqual(['a', 'b']);
    expect(evicted).toEqual([]);
  });

  it('get() of a new key while every other pool is busy keeps both', async () => {
    const { k } = recorded({ maxKeys: 1 });
    const g = gate();
    const running = k.execute(g.fn, { key: 'a' });
    const b = k.get('b');
    expect(k.keys()).toEqual(['a', 'b']);
    expect(k.get('b')).toBe(b);
    g.release();
    await running;
  });
});

describe('keyed: calls in flight', () => {
  it('a pool used by sequential calls becomes evictable after each', async () => {
    const { k, evicted } = recorded({ maxKeys: 1 });
    await k.execute(() => 1, { key: 'a' });
    await k.execute(() => 2, { key: 'a' });
    k.get('b');
    expect(evicted).toEqual(['a:lru']);
  });

  it('a pool stays busy until its last call settles', async () => {
    const { k, evicted } = recorded({ maxKeys: 1 });
    const first = gate();
    const second = gate();
    const p1 = k.execute(first.fn, { key: 'a' });
    const p2 = k.execute(second.fn, { key: 'a' });
    first.release();
    await p1;
    const g = gate();
    const pb = k.execute(g.fn, { key: 'b' });
    expect(k.keys()).toEqual(['a', 'b']);
    expect(evicted).toEqual([]);
    second.release();
    g.release();
    await Promise.all([p2, pb]);
  });

  it('a foreign policy whose execute throws rejects the call and leaves its pool evictable', async () => {
    const error = new Error('sync throw');
    const thrower: Policy = {
      execute: () => {
        throw error;
      },
    };
    const evicted: string[] = [];
    const k = keyed((key) => (key === 'bad' ? thrower : bulkhead({ maxConcurrent: 1 })), { maxKeys: 1 });
    k.on('evicted', (e) => evicted.push(`${String(e.key)}:${e.reason}`));
    await expect(k.execute(() => 1, { key: 'bad' })).rejects.toBe(error);
    k.get('other');
    expect(evicted).toEqual(['bad:lru']);
  });

  it('a pool deleted with a call in flight is never evicted again after that call settles', async () => {
    const { k, evicted } = recorded({ maxKeys: 1 });
    const g = gate();
    const p = k.execute(g.fn, { key: 'a' });
    expect(k.delete('a')).toBe(true);
    g.release();
    await p;
    await flush();
    k.get('b');
    k.get('c');
    expect(evicted).toEqual(['a:deleted', 'b:lru']);
    expect(k.keys()).toEqual(['c']);
  });
});

describe('keyed: idle eviction', () => {
  it('a pool unused for exactly idleMs is replaced by a fresh one on the next call', async () => {
    const clock = new VirtualClock();
    const { k, made, evicted } = recorded({ idleMs: 100, clock });
    await k.execute(() => 1, { key: 'a' });
    await clock.advance(100);
    await k.execute(() => 2, { key: 'a' });
    expect(made).toEqual(['a', 'a']);
    expect(evicted).toEqual(['a:idle']);
  });

  it('a pool used later does not push back the idle check of an older pool', async () => {
    const clock = new VirtualClock();
    const { k, evicted } = recorded({ idleMs: 100, clock });
    k.get('a');
    await clock.advance(50);
    k.get('b');
    await clock.advance(50);
    expect(k.has('a')).toBe(false);
    expect(k.has('b')).toBe(true);
    expect(evicted).toEqual(['a:idle']);
  });
});

describe('keyed: the factory must return a policy', () => {
  it.each([
    [null, 'got null'],
    ['x', 'got string'],
    [{}, 'got object'],
  ])('a factory that returns %j is a TypeError naming the key', async (value, got) => {
    const k = keyed(() => value as never, { name: 'pools' });
    const error = await k.execute(() => 1, { key: 'k1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe(
      `pools: factory must return a policy (an object with execute), ${got} for key "k1"`,
    );
  });
});
