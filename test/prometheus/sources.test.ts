import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { cache } from '../../src/cache/index.js';
import { adaptiveBulkhead, memoryStore, rateLimit } from '../../src/index.js';
import { instrument } from '../../src/prometheus/index.js';
import { VirtualClock } from '../../src/testing/index.js';
import { deferred, flush } from '../support/async.js';

/** The sources that landed after the adapters: shared stores, adaptive bulkheads, caches. */

interface Value {
  readonly value: number;
  readonly labels: Record<string, string | number>;
}

async function values(registry: Registry, name: string): Promise<Value[]> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  return ((metric as unknown as { values?: Value[] } | undefined)?.values ?? []) as Value[];
}

const read = (key: string) => ({ key, idempotent: true }) as const;

describe('breakwater/prometheus: breakwater_store_degraded', () => {
  const clock = new VirtualClock();
  it.each([
    ['a store given as the target', (store: ReturnType<typeof memoryStore>) => store],
    [
      'a rate limit with a store',
      (store: ReturnType<typeof memoryStore>) => rateLimit({ name: 'api', limit: 5, perMs: 1_000, store, clock }),
    ],
    [
      'a cache with a store',
      (store: ReturnType<typeof memoryStore>) => cache({ ttl: 1_000, name: 'users', store, clock }),
    ],
  ])('%s: 1 while degraded, 0 after restored', async (_, target) => {
    const registry = new Registry();
    const store = memoryStore({ clock });
    const handle = instrument(target(store), { registry });
    const degraded = async () =>
      (await values(registry, 'breakwater_store_degraded')).map((v) => [v.labels.breakwater_store_name, v.value]);
    expect(await degraded()).toEqual([['memory', 0]]);
    store.degrade();
    expect(await degraded()).toEqual([['memory', 1]]);
    store.restore();
    expect(await degraded()).toEqual([['memory', 0]]);
    handle.detach();
    expect(store.listenerCount('degraded') + store.listenerCount('restored')).toBe(0);
  });
});

describe('breakwater/prometheus: an adaptive bulkhead', () => {
  it('reports its moving limit as breakwater_bulkhead_limit, with active and queued', async () => {
    const clock = new VirtualClock();
    const registry = new Registry();
    const policy = adaptiveBulkhead({
      name: 'db',
      initialLimit: 2,
      minLimit: 1,
      maxQueue: 1,
      isDrop: () => true,
      clock,
      window: { minMs: 1, maxMs: 1, minSamples: 1 },
    });
    instrument(policy, { registry });
    const value = async (name: string) => (await values(registry, name))[0]?.value;
    expect(await value('breakwater_bulkhead_limit')).toBe(2);
    const gates = [deferred<void>(), deferred<void>(), deferred<void>()];
    const calls = gates.map((g) => policy.execute(() => g.promise));
    await flush();
    expect(await value('breakwater_bulkhead_active')).toBe(2);
    expect(await value('breakwater_bulkhead_queued')).toBe(1);
    for (const g of gates) g.resolve();
    await Promise.all(calls);
    expect(await value('breakwater_bulkhead_active')).toBe(0);
    expect(await value('breakwater_bulkhead_queued')).toBe(0);
    const before = policy.limit;
    for (let i = 0; i < 3; i++) {
      await clock.advance(5); // each call ends a window of samples
      await policy.execute(() => Promise.reject(new Error('dropped'))).catch(() => undefined);
    }
    expect(policy.limit).not.toBe(before);
    expect(await value('breakwater_bulkhead_limit')).toBe(policy.limit);
  });
});

describe('breakwater/prometheus: a cache', () => {
  it('counts hit, miss, stale and coalesced in breakwater_events_total', async () => {
    const clock = new VirtualClock();
    const registry = new Registry();
    const policy = cache({ ttl: 100, staleIfError: 1_000, name: 'users', clock });
    instrument(policy, { registry });
    await policy.execute(() => 'v', read('a')); // miss
    await policy.execute(() => 'v', read('a')); // hit
    const gate = deferred<string>();
    const first = policy.execute(() => gate.promise, read('b')); // miss
    const second = policy.execute(() => 'x', read('b')); // coalesced
    gate.resolve('w');
    await Promise.all([first, second]);
    await clock.advance(200);
    await policy.execute(() => Promise.reject(new Error('down')), read('a')); // miss, then stale
    const events = await values(registry, 'breakwater_events_total');
    const counts = Object.fromEntries(events.map((v) => [v.labels.breakwater_event, v.value]));
    expect(counts).toMatchObject({ hit: 1, miss: 3, coalesced: 1, stale: 1 });
    expect(new Set(events.map((v) => v.labels.breakwater_policy_kind))).toEqual(new Set(['cache']));
  });
});
