import { MeterProvider, MetricReader, type MetricData } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { cache } from '../../src/cache/index.js';
import { adaptiveBulkhead, memoryStore, rateLimit } from '../../src/index.js';
import { instrument } from '../../src/otel/index.js';
import { VirtualClock } from '../../src/testing/index.js';
import { deferred, flush } from '../support/async.js';

/** The sources that landed after the adapters: shared stores, adaptive bulkheads, caches. */

class ManualReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

function setup() {
  const reader = new ManualReader();
  const meter = new MeterProvider({ readers: [reader] }).getMeter('breakwater-test');
  const points = async (name: string): Promise<{ attributes: Record<string, unknown>; value: unknown }[]> => {
    const { resourceMetrics } = await reader.collect();
    const metrics: MetricData[] = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    return (metrics.find((m) => m.descriptor.name === name)?.dataPoints ?? []).map((p) => ({
      attributes: p.attributes,
      value: p.value,
    }));
  };
  return { meter, points };
}

const read = (key: string) => ({ key, idempotent: true }) as const;

describe('breakwater/otel: breakwater.store.degraded', () => {
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
    const { meter, points } = setup();
    const store = memoryStore({ clock });
    const handle = instrument(target(store), { meter });
    const degraded = async () =>
      (await points('breakwater.store.degraded')).map((p) => [p.attributes['breakwater.store.name'], p.value]);
    expect(await degraded()).toEqual([['memory', 0]]);
    store.degrade();
    expect(await degraded()).toEqual([['memory', 1]]);
    store.restore();
    expect(await degraded()).toEqual([['memory', 0]]);
    handle.detach();
    expect(store.listenerCount('degraded') + store.listenerCount('restored')).toBe(0);
  });
});

describe('breakwater/otel: an adaptive bulkhead', () => {
  it('reports its moving limit as breakwater.bulkhead.limit, with active and queued', async () => {
    const clock = new VirtualClock();
    const { meter, points } = setup();
    const policy = adaptiveBulkhead({
      name: 'db',
      initialLimit: 2,
      minLimit: 1,
      maxQueue: 1,
      isDrop: () => true,
      clock,
      window: { minMs: 1, maxMs: 1, minSamples: 1 },
    });
    instrument(policy, { meter });
    const value = async (name: string) => (await points(name))[0]?.value;
    expect(await value('breakwater.bulkhead.limit')).toBe(2);
    const gates = [deferred<void>(), deferred<void>(), deferred<void>()];
    const calls = gates.map((g) => policy.execute(() => g.promise));
    await flush();
    expect(await value('breakwater.bulkhead.active')).toBe(2);
    expect(await value('breakwater.bulkhead.queued')).toBe(1);
    for (const g of gates) g.resolve();
    await Promise.all(calls);
    expect(await value('breakwater.bulkhead.active')).toBe(0);
    expect(await value('breakwater.bulkhead.queued')).toBe(0);
    // The limit moves: the gauge follows it.
    const before = policy.limit;
    for (let i = 0; i < 3; i++) {
      await clock.advance(5); // each call ends a window of samples
      await policy.execute(() => Promise.reject(new Error('dropped'))).catch(() => undefined);
    }
    expect(policy.limit).not.toBe(before);
    expect(await value('breakwater.bulkhead.limit')).toBe(policy.limit);
  });
});

describe('breakwater/otel: a cache', () => {
  it('counts hit, miss, stale and coalesced in breakwater.events', async () => {
    const clock = new VirtualClock();
    const { meter, points } = setup();
    const policy = cache({ ttl: 100, staleIfError: 1_000, name: 'users', clock });
    instrument(policy, { meter });
    await policy.execute(() => 'v', read('a')); // miss
    await policy.execute(() => 'v', read('a')); // hit
    const gate = deferred<string>();
    const first = policy.execute(() => gate.promise, read('b')); // miss
    const second = policy.execute(() => 'x', read('b')); // coalesced
    gate.resolve('w');
    await Promise.all([first, second]);
    await clock.advance(200);
    await policy.execute(() => Promise.reject(new Error('down')), read('a')); // miss, then stale
    const counts = Object.fromEntries(
      (await points('breakwater.events')).map((p) => [p.attributes['breakwater.event'], p.value]),
    );
    expect(counts).toMatchObject({ hit: 1, miss: 3, coalesced: 1, stale: 1 });
    const kinds = new Set((await points('breakwater.events')).map((p) => p.attributes['breakwater.policy.kind']));
    expect([...kinds]).toEqual(['cache']);
  });
});
