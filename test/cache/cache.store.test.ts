import { describe, expect, it } from 'vitest';
import { CACHE_EVENTS, cache, type CachePolicy } from '../../src/cache/index.js';
import { memoryStore } from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';
import { flush } from '../support/async.js';

const read = (key: string) => ({ key, idempotent: true }) as const;

function counted(policy: CachePolicy): Record<string, number> {
  const counts: Record<string, number> = { hit: 0, miss: 0, stale: 0, coalesced: 0 };
  for (const event of CACHE_EVENTS) policy.on(event, () => (counts[event] = (counts[event] ?? 0) + 1));
  return counts;
}

function fleet(options: { ttl?: number; staleIfError?: number; coalesce?: boolean } = {}) {
  const clock = new VirtualClock();
  const store = memoryStore({ clock });
  const make = (name = 'users') => cache({ ttl: 1_000, ...options, name, store, clock });
  return { clock, store, a: make(), b: make(), make };
}

describe('cache on a shared store (memoryStore)', () => {
  it.each([true, false])(
    'two caches of one name share one store: what one ran, the other reads (coalesce %s)',
    async (coalesce) => {
      const { a, b } = fleet({ coalesce });
      const counts = counted(b);
      let runs = 0;
      expect(await a.execute(() => ++runs && { id: 1, name: 'Ada' }, read('1'))).toEqual({ id: 1, name: 'Ada' });
      await flush();
      const got = await b.execute(() => ++runs && { id: 1, name: 'other' }, read('1'));
      expect(got).toEqual({ id: 1, name: 'Ada' });
      expect(runs).toBe(1);
      expect(counts).toMatchObject({ hit: 1, miss: 0 });
      // Kept locally from then on: a second read needs no store.
      expect(b.size).toBe(1);
    },
  );

  it('entries live for ttl in the store, then the function runs again', async () => {
    const { a, b, clock } = fleet({ ttl: 1_000 });
    let runs = 0;
    await a.execute(() => ++runs, read('k'));
    await clock.advance(999);
    expect(await b.execute(() => ++runs, read('k'))).toBe(1);
    await clock.advance(1);
    expect(await a.execute(() => ++runs, read('k'))).toBe(2); // a's own entry expired too
    await clock.advance(1_000);
    const c = fleet().make('other'); // another store: nothing shared
    expect(await c.execute(() => 'c', read('k'))).toBe('c');
  });

  it('two caches of different names share nothing, however the names and keys are spelled', async () => {
    const { make } = fleet();
    const a = make('a:b');
    const b = make('a');
    await a.execute(() => 'from a', read('c'));
    await flush();
    expect(await b.execute(() => 'from b', read('b:c'))).toBe('from b');
  });

  it('values travel through serialize and deserialize', async () => {
    const clock = new VirtualClock();
    const store = memoryStore({ clock });
    const texts: string[] = [];
    const options = {
      ttl: 1_000,
      name: 'dates',
      store,
      clock,
      serialize: (value: unknown) => {
        const text = String((value as Date).getTime());
        texts.push(text);
        return text;
      },
      deserialize: (text: string) => new Date(Number(text)),
    };
    const a = cache(options);
    const b = cache(options);
    await a.execute(() => new Date(5), read('d'));
    await flush();
    const got = await b.execute(() => new Date(6), read('d'));
    expect(got).toBeInstanceOf(Date);
    expect((got as Date).getTime()).toBe(5);
    expect(texts).toEqual(['5']);
  });

  it('a value serialize refuses, and a text deserialize refuses, fail no call: the value is just not shared', async () => {
    const clock = new VirtualClock();
    const store = memoryStore({ clock });
    const a = cache({
      ttl: 1_000,
      name: 'n',
      store,
      clock,
      serialize: () => {
        throw new Error('no');
      },
    });
    expect(await a.execute(() => 1, read('x'))).toBe(1);
    expect(await a.execute(() => 2, read('x'))).toBe(1);
    await store.set('cache:1:n:y', 'not json', 1_000);
    const b = cache({ ttl: 1_000, name: 'n', store, clock });
    expect(await b.execute(() => 'ran', read('y'))).toBe('ran');
  });

  it('delete(key) drops the shared entry too; clear() only the local ones', async () => {
    const { a, b } = fleet();
    await a.execute(() => 'old', read('k'));
    await a.execute(() => 'kept', read('j'));
    await flush();
    a.delete('k');
    await flush();
    expect(await b.execute(() => 'new', read('k'))).toBe('new');
    a.clear();
    expect(a.size).toBe(0);
    expect(await a.execute(() => 'ran', read('j'))).toBe('kept'); // read back from the store
  });

  it('a read through the store that a delete overtook stores nothing: the call runs the function', async () => {
    const { a, b } = fleet();
    await a.execute(() => 'old', read('k'));
    await flush();
    const reading = b.execute(() => 'ran', read('k'));
    b.delete('k'); // before the store's answer arrives
    expect(await reading).toBe('ran');
    expect(await b.execute(() => 'again', read('k'))).toBe('ran');
  });

  it('a run in flight is joined before asking the store', async () => {
    const { a, store } = fleet();
    let resolve: (v: string) => void = () => undefined;
    const first = a.execute(() => new Promise<string>((r) => (resolve = r)), read('k'));
    await flush();
    let gets = 0;
    const get = store.get.bind(store);
    store.get = (key: string) => (gets++, get(key));
    const second = a.execute(() => 'second ran', read('k'));
    resolve('first');
    expect(await Promise.all([first, second])).toEqual(['first', 'first']);
    expect(gets).toBe(0);
  });

  it('a degraded store: local caching only, no failed call, and the call answers without waiting a microtask for the store', async () => {
    const { a, b, store, clock } = fleet({ staleIfError: 5_000 });
    const counts = counted(a);
    store.degrade();
    let runs = 0;
    expect(await a.execute(() => ++runs, read('k'))).toBe(1);
    expect(await a.execute(() => ++runs, read('k'))).toBe(1); // local hit
    expect(await b.execute(() => ++runs, read('k'))).toBe(2); // nothing was shared
    expect(counts).toMatchObject({ hit: 1, miss: 1 });
    // The miss went straight to the function: no store read in between.
    let started = false;
    const pending = a.execute(() => {
      started = true;
      return 'x';
    }, read('other'));
    expect(started).toBe(true);
    await pending;
    // Stale-if-error still answers from the local entry.
    await clock.advance(2_000);
    expect(await a.execute(() => Promise.reject(new Error('down')), read('k'))).toBe(1);
    expect(counts.stale).toBe(1);
    // Restored: sharing resumes.
    store.restore();
    await a.execute(() => 'shared', read('s'));
    await flush();
    expect(await b.execute(() => 'not shared', read('s'))).toBe('shared');
  });

  it('a store that degrades while a read is on its way answers the call from the function', async () => {
    const { a, store } = fleet();
    const get = store.get.bind(store);
    let answer: (v: string | null | undefined) => void = () => undefined;
    store.get = (key: string) => {
      void get(key);
      return new Promise((r) => (answer = r));
    };
    const call = a.execute(() => 'ran', read('k'));
    await flush();
    answer(undefined); // what a store that could not answer resolves
    expect(await call).toBe('ran');
  });
});
