import { describe, expect, it } from 'vitest';
import { isSharedStore, memoryStore, MemoryStore, type Grant } from '../../../src/index.js';
import { VirtualClock } from '../../../src/testing/index.js';

const rule = { limit: 10, perMs: 1_000, burst: 5 };

describe('memoryStore: buckets (GCRA on the injected clock)', () => {
  it('hands out burst tokens, then one per perMs / limit, with the exact time to the next token', async () => {
    const clock = new VirtualClock();
    const store = memoryStore({ clock });
    const grants: Grant[] = [];
    for (let i = 0; i < 6; i++) grants.push((await store.take('api', undefined, rule, 1)) as Grant);
    expect(grants.map((g) => g.granted)).toEqual([1, 1, 1, 1, 1, 0]);
    expect(grants[5]?.retryAfter).toBe(100);
    await clock.advance(40);
    expect(await store.take('api', undefined, rule, 1)).toEqual({ granted: 0, retryAfter: 60 });
    await clock.advance(60);
    expect((await store.take('api', undefined, rule, 1))?.granted).toBe(1);
  });

  it('grants part of a larger request (a lease) and nothing more than the bucket holds', async () => {
    const clock = new VirtualClock();
    const store = memoryStore({ clock });
    expect(await store.take('api', 'k', rule, 3)).toEqual({ granted: 3, retryAfter: 0 });
    expect(await store.take('api', 'k', rule, 3)).toEqual({ granted: 2, retryAfter: 100 });
    expect(await store.take('api', 'k', rule, 3)).toEqual({ granted: 0, retryAfter: 100 });
  });

  it('keeps one bucket per (name, key): no key, "", and names that look alike stay apart', async () => {
    const store = memoryStore({ clock: new VirtualClock() });
    const one = { limit: 1, perMs: 1_000, burst: 1 };
    const pairs: [string, string | undefined][] = [
      ['a', undefined],
      ['a', ''],
      ['a', 'b'],
      ['a:b', undefined],
      ['a', 'b:'],
      ['a:', 'b'],
    ];
    for (const [name, key] of pairs) expect((await store.take(name, key, one, 1))?.granted).toBe(1);
    for (const [name, key] of pairs) expect((await store.take(name, key, one, 1))?.granted).toBe(0);
  });

  it('forgets a bucket once it is full again, so memory stays bounded', async () => {
    const clock = new VirtualClock();
    const store = memoryStore({ clock });
    for (let i = 0; i < 100; i++) await store.take('api', `k${i}`, rule, 1);
    expect(store.size).toBe(100);
    await clock.advance(100);
    expect(store.size).toBe(0);
  });
});

describe('memoryStore: health', () => {
  it('answers undefined synchronously while degraded and emits degraded and restored once each', async () => {
    const clock = new VirtualClock(5);
    const store = memoryStore({ clock });
    const seen: string[] = [];
    store.on('degraded', (e) => seen.push(`degraded ${String((e.error as Error).message)} at ${e.at} by ${e.policy}`));
    store.on('restored', (e) => seen.push(`restored at ${e.at}`));
    store.degrade(new Error('down'));
    store.degrade(new Error('again'));
    expect(store.degraded).toBe(true);
    expect(store.take('api', undefined, rule, 1)).toBeUndefined();
    expect(store.get('x')).toBeUndefined();
    expect(store.set('x', 'v', 10)).toBeUndefined();
    expect(store.breaker('b', { instance: 'i', windowMs: 10, openWithinMs: 10 })).toBeUndefined();
    expect(store.probe('b', 'h', 10, 1, 0)).toBeUndefined();
    store.restore();
    store.restore();
    expect(store.degraded).toBe(false);
    expect(await store.take('api', undefined, rule, 1)).toEqual({ granted: 1, retryAfter: 0 });
    expect(seen).toEqual(['degraded down at 5 by memory', 'restored at 5']);
  });

  it('is a SharedStore with kind "store"; a plain object is not', () => {
    const store = memoryStore();
    expect(store).toBeInstanceOf(MemoryStore);
    expect(store.kind).toBe('store');
    expect(isSharedStore(store)).toBe(true);
    expect(isSharedStore({ kind: 'store', name: 'x' })).toBe(false);
    expect(isSharedStore(null)).toBe(false);
  });

  it('rejects unknown options and a clock that is no clock', () => {
    expect(() => memoryStore({ clok: 1 } as never)).toThrow(
      new TypeError('memoryStore: unknown option clok (known: clock)'),
    );
    expect(() => memoryStore({ clock: {} as never })).toThrow(TypeError);
    expect(() => memoryStore('x' as never)).toThrow(TypeError);
  });
});

describe('memoryStore: values and breaker state', () => {
  it('get/set with a TTL', async () => {
    const clock = new VirtualClock();
    const store = memoryStore({ clock });
    expect(await store.get('k')).toBeNull();
    expect(await store.set('k', '{"a":1}', 100)).toBe(true);
    expect(await store.get('k')).toBe('{"a":1}');
    await clock.advance(100);
    expect(await store.get('k')).toBeNull();
  });

  it('probe places: at most max holders until their lease ends or they give it back', async () => {
    const clock = new VirtualClock();
    const store = memoryStore({ clock });
    expect(await store.probe('b', 'h1', 100, 1, 0)).toBe(true);
    expect(await store.probe('b', 'h2', 100, 1, 0)).toBe(false);
    expect(await store.probe('b', 'h1', 100, 1, 0)).toBe(true);
    await clock.advance(100);
    expect(await store.probe('b', 'h2', 100, 1, 0)).toBe(true);
    expect(await store.unprobe('b', 'h2')).toBe(true);
    expect(await store.probe('b', 'h3', 100, 1, 0)).toBe(true);
  });

  it('refuses probe places while the fleet is open and for quietMs after it closed', async () => {
    const clock = new VirtualClock();
    const store = memoryStore({ clock });
    const base = { windowMs: 1_000, openWithinMs: 500 };
    await store.breaker('b', { ...base, instance: 'a', opened: 100 });
    expect(await store.probe('b', 'h1', 100, 1, 500)).toBe(false);
    await clock.advance(100);
    expect(await store.probe('b', 'h1', 100, 1, 500)).toBe(true);
    await store.breaker('b', { ...base, instance: 'a', closed: true });
    expect(await store.probe('b', 'h2', 100, 1, 500)).toBe(false);
    await clock.advance(500);
    expect(await store.probe('b', 'h2', 100, 1, 500)).toBe(true);
  });

  it('merges counts and openings across instances, and a close clears them', async () => {
    const clock = new VirtualClock();
    const store = memoryStore({ clock });
    const base = { windowMs: 1_000, openWithinMs: 500 };
    await store.breaker('b', { ...base, instance: 'a', counts: { calls: 3, failures: 2, slowCalls: 0 } });
    const v = await store.breaker('b', {
      ...base,
      instance: 'b',
      opened: 500,
      counts: { calls: 1, failures: 1, slowCalls: 1 },
    });
    expect(v).toEqual({
      opens: 1,
      openLeft: 500,
      closedAgo: Infinity,
      counts: { calls: 4, failures: 3, slowCalls: 1 },
    });
    await clock.advance(500);
    const later = await store.breaker('b', { ...base, instance: 'a' });
    expect(later?.opens).toBe(0);
    expect(later?.openLeft).toBe(0);
    await clock.advance(600);
    expect((await store.breaker('b', { ...base, instance: 'a' }))?.counts.calls).toBe(0);
    await store.breaker('b', { ...base, instance: 'c', opened: 100, counts: { calls: 1, failures: 1, slowCalls: 0 } });
    await clock.advance(10);
    const closed = await store.breaker('b', { ...base, instance: 'c', closed: true });
    expect(closed).toEqual({ opens: 0, openLeft: 0, closedAgo: 0, counts: { calls: 0, failures: 0, slowCalls: 0 } });
  });
});
