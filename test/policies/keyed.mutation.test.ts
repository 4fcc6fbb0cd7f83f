// Tests that pin behaviour mutation testing found unpinned.
import { describe, expect, it } from 'vitest';
import { bulkhead, keyed, type Policy } from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';
import { flush, gate } from '../support/async.js';

/** A keyed policy that records every eviction as `key:reason`. */
function recorded(options: { maxKeys?: number; idleMs?: number; clock?: VirtualClock }) {
  const made: string[] = [];
  const evicted: string[] = [];
  const k = keyed(
    (key) => {
      made.push(key);
      return bulkhead({ maxConcurrent: 10 });
    },
    options,
  );
  k.on('evicted', (e) => evicted.push(`${String(e.key)}:${e.reason}`));
  return { k, made, evicted };
}

describe('keyed mutation: get()', () => {
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

describe('keyed mutation: calls in flight', () => {
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

describe('keyed mutation: idle eviction', () => {
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

describe('keyed mutation: the factory must return a policy', () => {
  it.each([
    [null, 'got null'],
    ['x', 'got string'],
    [{}, 'got object'],
  ])('a factory that returns %j is a TypeError naming the key', async (value, got) => {
    const k = keyed(() => value as never, { name: 'pools' });
    const error = await k.execute(() => 1, { key: 'k1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe(`pools: factory must return a policy (an object with execute), ${got} for key "k1"`);
  });
});
