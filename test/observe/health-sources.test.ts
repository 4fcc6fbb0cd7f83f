import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { cache } from '../../src/cache/index.js';
import { adaptiveBulkhead, health, type HealthReport, memoryStore, pipeline, rateLimit } from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';
import { deferred, flush } from '../support/async.js';

/** health() of the sources that landed after it: adaptive bulkheads, caches, shared stores. */

const schema = JSON.parse(readFileSync(new URL('../../docs/health.schema.json', import.meta.url), 'utf8')) as object;
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);

function checked(report: HealthReport): HealthReport {
  const json = JSON.parse(JSON.stringify(report)) as unknown;
  expect(json).toEqual(report);
  validate(json);
  expect(validate.errors ?? []).toEqual([]);
  return report;
}

const read = (key: string) => ({ key, idempotent: true }) as const;

describe('health: an adaptive bulkhead', () => {
  it('reports limit, active, queued and maxQueue; degraded while full with a full queue', async () => {
    const clock = new VirtualClock();
    const policy = adaptiveBulkhead({ name: 'db', initialLimit: 2, maxQueue: 1, clock });
    expect(policy.maxQueue).toBe(1);
    expect(checked(health(policy)).policies).toEqual([
      { name: 'db', kind: 'adaptiveBulkhead', status: 'ok', limit: 2, active: 0, queued: 0, maxQueue: 1 },
    ]);
    const gate = deferred<void>();
    const calls = [1, 2].map(() => policy.execute(() => gate.promise));
    await flush();
    expect(checked(health(policy)).policies[0]).toMatchObject({ status: 'ok', active: 2, queued: 0 });
    calls.push(policy.execute(() => gate.promise));
    await flush();
    const full = checked(health(policy));
    expect(full.status).toBe('degraded');
    expect(full.policies[0]).toMatchObject({ status: 'degraded', limit: 2, active: 2, queued: 1, maxQueue: 1 });
    gate.resolve();
    await Promise.all(calls);
    expect(checked(health(policy)).status).toBe('ok');
  });

  it('with no queue (maxQueue 0, the default) it is degraded as soon as every place is taken', async () => {
    const policy = adaptiveBulkhead({ name: 'db', initialLimit: 1, clock: new VirtualClock() });
    const gate = deferred<void>();
    const call = policy.execute(() => gate.promise);
    await flush();
    expect(checked(health(policy)).policies[0]).toMatchObject({
      status: 'degraded',
      limit: 1,
      active: 1,
      queued: 0,
      maxQueue: 0,
    });
    gate.resolve();
    await call;
  });
});

describe('health: a shared store', () => {
  it('given as the target: its name and degraded flag, degraded while degraded', () => {
    const store = memoryStore({ clock: new VirtualClock() });
    expect(checked(health(store))).toEqual({
      status: 'ok',
      policies: [{ name: 'memory', kind: 'store', status: 'ok', degraded: false }],
    });
    store.degrade();
    expect(checked(health(store))).toEqual({
      status: 'degraded',
      policies: [{ name: 'memory', kind: 'store', status: 'degraded', degraded: true }],
    });
    store.restore();
    expect(checked(health(store)).status).toBe('ok');
  });

  it.each([
    [
      'a rate limit',
      (store: ReturnType<typeof memoryStore>, clock: VirtualClock) =>
        rateLimit({ name: 'api', limit: 5, perMs: 1_000, store, clock }),
    ],
    [
      'a cache',
      (store: ReturnType<typeof memoryStore>, clock: VirtualClock) => cache({ ttl: 1_000, name: 'api', store, clock }),
    ],
  ])('reached through %s: the store on its entry, the policy degraded while it is', (_, make) => {
    const clock = new VirtualClock();
    const store = memoryStore({ clock });
    const target = pipeline(make(store, clock));
    expect(checked(health(target)).policies[1]).toMatchObject({
      name: 'api',
      status: 'ok',
      store: { name: 'memory', degraded: false },
    });
    store.degrade();
    const report = checked(health(target));
    expect(report.status).toBe('degraded');
    expect(report.policies[1]).toMatchObject({ status: 'degraded', store: { name: 'memory', degraded: true } });
  });
});

describe('health: a cache', () => {
  it('reports the entries it holds and stays ok', async () => {
    const clock = new VirtualClock();
    const policy = cache({ ttl: 1_000, name: 'users', clock });
    expect(checked(health(policy)).policies).toEqual([{ name: 'users', kind: 'cache', status: 'ok', size: 0 }]);
    await policy.execute(() => 1, read('a'));
    await policy.execute(() => 2, read('b'));
    expect(checked(health(policy)).policies).toEqual([{ name: 'users', kind: 'cache', status: 'ok', size: 2 }]);
  });
});
