import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import {
  bulkhead,
  circuitBreaker,
  type Context,
  DEFAULT_HEALTH_LIMIT,
  type ExecuteOptions,
  fallback,
  health,
  type HealthReport,
  hedge,
  injectFault,
  injectLatency,
  keyed,
  pipeline,
  type Policy,
  rateLimit,
  retry,
  retryBudget,
  timeout,
} from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';
import { deferred } from '../support/async.js';

const schema = JSON.parse(readFileSync(new URL('../../docs/health.schema.json', import.meta.url), 'utf8')) as object;
const ajv = new Ajv2020({ allErrors: true, strict: true });
const validate = ajv.compile(schema);

/** The report survives JSON unchanged (no Infinity, no undefined, no cycles) and the checked-in schema accepts it. */
function expectSchemaValid(report: HealthReport): void {
  const json = JSON.parse(JSON.stringify(report)) as unknown;
  expect(json).toEqual(report);
  const ok = validate(json);
  expect(validate.errors ?? []).toEqual([]);
  expect(ok).toBe(true);
}

const fail = (): never => {
  throw new Error('down');
};

/** A policy of another kind, with whatever facts it exposes: what the later kinds look like to the report. */
function foreign(kind: string, facts: Record<string, unknown> = {}): Policy & { kind: string; name: string } {
  return {
    kind,
    name: kind,
    ...facts,
    execute<T>(fn: (ctx: Context) => T | PromiseLike<T>, _options?: ExecuteOptions): Promise<Awaited<T>> {
      return Promise.resolve(fn({} as Context)) as Promise<Awaited<T>>;
    },
  };
}

describe('health', () => {
  it('reports a pipeline of every kind and a keyed pool of 10,000 keys: schema-valid, bounded, worst status, no timer, only lazy changes', async () => {
    const clock = new VirtualClock();
    const budget = retryBudget({ clock });
    const hosts = keyed(
      (host) =>
        circuitBreaker({
          name: `breaker-${host}`,
          window: { kind: 'consecutive', failures: 1 },
          openFor: 1_000,
          clock,
        }),
      {
        name: 'hosts',
        maxKeys: 20_000,
        clock,
      },
    );
    for (let i = 0; i < 10_000; i++) await hosts.execute(() => 'ok', { key: `h${i}` });
    // Three hosts fail once and open; one of them will be half-open by the time the report is read.
    for (const key of ['h9000', 'h9001', 'h42']) await hosts.execute(fail, { key }).catch(() => undefined);
    await clock.advance(600);
    await hosts.execute(fail, { key: 'h7' }).catch(() => undefined);
    await clock.advance(600); // h9000, h9001 and h42 are half-open now (noticed lazily), h7 still open

    const breaker = circuitBreaker({ name: 'payments', clock });
    const inner = pipeline(bulkhead({ maxConcurrent: 4, maxQueue: 2, clock }), timeout(1_000, { clock }));
    const policy = pipeline(
      fallback('fallback'),
      retry({ budget, clock }),
      breaker,
      hedge({ delay: 100, budget, clock }),
      rateLimit({ limit: 10, perMs: 1_000, clock }),
      injectFault({ rate: 0, error: () => new Error('chaos') }),
      injectLatency({ rate: 0, ms: 10, clock }),
      inner,
      foreign('adaptiveBulkhead', { limit: 20, active: 3, queued: 0 }),
      foreign('cache', { size: 12 }),
      hosts,
    );

    const changes: string[] = [];
    for (const key of hosts.keys()) {
      hosts.get(key).on('stateChange', (e) => changes.push(`${e.policy}:${e.to}:${e.reason}`));
    }
    const pools: string[] = [];
    hosts.on('created', (e) => pools.push(`created ${e.key}`));
    hosts.on('evicted', (e) => pools.push(`evicted ${e.key}`));
    const timersBefore = clock.pending;

    const report = health(policy, { limit: 50 });

    expectSchemaValid(report);
    expect(clock.pending).toBe(timersBefore);
    expect(clock.pending).toBe(0);
    // Only the transitions a read of `state` makes: the three breakers whose openFor passed.
    expect(changes.sort()).toEqual([
      'breaker-h42:halfOpen:openElapsed',
      'breaker-h9000:halfOpen:openElapsed',
      'breaker-h9001:halfOpen:openElapsed',
    ]);
    expect(pools).toEqual([]);
    expect(report.status).toBe('down');

    const top = report.policies[0];
    expect(top).toMatchObject({ kind: 'pipeline', name: 'pipeline', status: 'down' });
    const keyedEntry = report.policies.find((p) => p.kind === 'keyed');
    expect(keyedEntry).toEqual({
      name: 'hosts',
      kind: 'keyed',
      status: 'down',
      size: 10_000,
      pools: { listed: 50, down: 1, degraded: 3 },
    });
    const listed = report.policies.filter((p) => p.key !== undefined);
    expect(listed).toHaveLength(50);
    // Unhealthy pools first: the open one, then the half-open ones in the order they were made.
    expect(listed.slice(0, 4).map((p) => [p.key, p.status, p.state])).toEqual([
      ['h7', 'down', 'open'],
      ['h42', 'degraded', 'halfOpen'],
      ['h9000', 'degraded', 'halfOpen'],
      ['h9001', 'degraded', 'halfOpen'],
    ]);
    expect(listed.slice(4).every((p) => p.status === 'ok' && p.state === 'closed')).toBe(true);
    expect(report.policies.map((p) => p.kind).filter((k, i, all) => all.indexOf(k) === i)).toEqual([
      'pipeline',
      'fallback',
      'retry',
      'circuitBreaker',
      'hedge',
      'rateLimit',
      'injectFault',
      'injectLatency',
      'bulkhead',
      'timeout',
      'adaptiveBulkhead',
      'cache',
      'keyed',
    ]);
    expect(report.policies.find((p) => p.name === 'payments')).toEqual({
      name: 'payments',
      kind: 'circuitBreaker',
      status: 'ok',
      state: 'closed',
      stats: { calls: 0, failures: 0, slowCalls: 0, failureRate: 0, slowCallRate: 0 },
    });
    expect(report.policies.find((p) => p.kind === 'bulkhead')).toEqual({
      name: 'bulkhead',
      kind: 'bulkhead',
      status: 'ok',
      active: 0,
      queued: 0,
      maxConcurrent: 4,
      maxQueue: 2,
    });
    expect(report.policies.find((p) => p.kind === 'retry')).toEqual({
      name: 'retry',
      kind: 'retry',
      status: 'ok',
      budget: { available: 10 },
    });
    expect(report.policies.find((p) => p.kind === 'rateLimit')).toEqual({
      name: 'rateLimit',
      kind: 'rateLimit',
      status: 'ok',
      available: 10,
    });
    expect(report.policies.find((p) => p.kind === 'adaptiveBulkhead')).toEqual({
      name: 'adaptiveBulkhead',
      kind: 'adaptiveBulkhead',
      status: 'ok',
      limit: 20,
      active: 3,
      queued: 0,
      maxQueue: 0,
    });
    expect(report.policies.find((p) => p.kind === 'cache')).toEqual({
      name: 'cache',
      kind: 'cache',
      status: 'ok',
      size: 12,
    });
    // The inner pipeline's entry comes before its policies.
    const kinds = report.policies.map((p) => p.kind);
    expect(kinds.indexOf('bulkhead')).toBe(kinds.lastIndexOf('pipeline') + 1);

    // A second report changes nothing: no state change is left to notice.
    const again = health(policy, { limit: 50 });
    expect(changes).toHaveLength(3);
    expect(again).toEqual(report);
    expect(clock.pending).toBe(0);
  });

  it('lists at most `limit` pools (100 by default), and counts the ones left out in every status', async () => {
    const clock = new VirtualClock();
    const pools = keyed(() => circuitBreaker({ window: { kind: 'consecutive', failures: 1 }, clock }), {
      maxKeys: 500,
      clock,
    });
    for (let i = 0; i < 300; i++) await pools.execute(() => 1, { key: `k${i}` });
    await pools.execute(fail, { key: 'k299' }).catch(() => undefined);
    expect(DEFAULT_HEALTH_LIMIT).toBe(100);

    const byDefault = health(pools);
    expect(byDefault.policies.filter((p) => p.key !== undefined)).toHaveLength(100);
    expect(byDefault.policies[1]).toMatchObject({ key: 'k299', status: 'down' });
    expect(byDefault.status).toBe('down');

    const none = health(pools, { limit: 0 });
    expect(none.policies).toEqual([
      { name: 'keyed', kind: 'keyed', status: 'down', size: 300, pools: { listed: 0, down: 1, degraded: 0 } },
    ]);
    expect(none.status).toBe('down');
    expectSchemaValid(none);

    const all = health(pools, { limit: Infinity });
    expect(all.policies).toHaveLength(301);
    expectSchemaValid(all);
  });

  it('reads pools without counting as a use: an idle pool is still evicted on time, and LRU order is kept', async () => {
    const clock = new VirtualClock();
    const pools = keyed(() => timeout(100, { clock }), { idleMs: 1_000, clock });
    await pools.execute(() => 1, { key: 'a' });
    await clock.advance(999);
    expect(health(pools).policies).toHaveLength(2);
    await clock.advance(1);
    expect(pools.keys()).toEqual([]);

    const lru = keyed(() => timeout(100, { clock }), { maxKeys: 2, clock });
    await lru.execute(() => 1, { key: 'old' });
    await lru.execute(() => 1, { key: 'new' });
    await lru.execute(() => 1, { key: 'old' }); // least recently used now: 'new', though 'old' was made first
    health(lru);
    await lru.execute(() => 1, { key: 'third' });
    expect(lru.keys()).toEqual(['old', 'third']);
  });

  it('says down for an open or isolated breaker, degraded for half-open', async () => {
    const clock = new VirtualClock();
    const breaker = circuitBreaker({ window: { kind: 'consecutive', failures: 1 }, openFor: 100, clock });
    expect(health(breaker)).toMatchObject({ status: 'ok', policies: [{ state: 'closed', status: 'ok' }] });
    await breaker.execute(fail).catch(() => undefined);
    expect(health(breaker)).toMatchObject({
      status: 'down',
      policies: [{ state: 'open', status: 'down', stats: { calls: 1, failures: 1 } }],
    });
    await clock.advance(100);
    expect(health(breaker)).toMatchObject({
      status: 'degraded',
      policies: [{ state: 'halfOpen', status: 'degraded' }],
    });
    const hold = breaker.isolate();
    const isolated = health(breaker);
    expect(isolated).toMatchObject({ status: 'down', policies: [{ state: 'isolated', status: 'down' }] });
    expectSchemaValid(isolated);
    hold.release();
    expect(health(breaker).status).toBe('ok');
  });

  it('says degraded for a bulkhead with no free place and a full queue, and ok while the queue has room', async () => {
    const gate = deferred<string>();
    const noQueue = bulkhead({ maxConcurrent: 1 });
    const queue = bulkhead({ maxConcurrent: 1, maxQueue: 1 });
    const running = [noQueue.execute(() => gate.promise), queue.execute(() => gate.promise)];
    expect(health(noQueue)).toMatchObject({ status: 'degraded', policies: [{ active: 1, queued: 0, maxQueue: 0 }] });
    expect(health(queue).status).toBe('ok');
    running.push(queue.execute(() => gate.promise));
    expect(health(queue)).toMatchObject({ status: 'degraded', policies: [{ active: 1, queued: 1, maxQueue: 1 }] });
    gate.resolve('done');
    await Promise.all(running);
    expect(health(queue).status).toBe('ok');

    const unbounded = health(bulkhead({ maxConcurrent: Infinity, maxQueue: Infinity }));
    expect(unbounded.policies[0]).toMatchObject({ maxConcurrent: null, maxQueue: null });
    expectSchemaValid(unbounded);
  });

  it('says degraded for a retry or hedge whose budget has no token left', () => {
    const clock = new VirtualClock();
    const budget = retryBudget({ ratio: 0, minPerSecond: 1, clock });
    const policy = pipeline(retry({ budget }), hedge({ delay: 10, budget }));
    expect(health(policy).status).toBe('ok');
    expect(budget.tryTake()).toBe(true);
    const report = health(policy);
    expect(report.status).toBe('degraded');
    expect(report.policies.slice(1).map((p) => [p.kind, p.status, p.budget])).toEqual([
      ['retry', 'degraded', { available: 0 }],
      ['hedge', 'degraded', { available: 0 }],
    ]);
    expect(health(retry()).policies[0]).toEqual({ name: 'retry', kind: 'retry', status: 'ok' });
  });

  it("reads a shared store through a policy's store property: degraded while the store is", () => {
    const store = { name: 'redis', degraded: false };
    const limiter = foreign('rateLimit', { available: 3, store });
    expect(health(limiter).policies[0]).toEqual({
      name: 'rateLimit',
      kind: 'rateLimit',
      status: 'ok',
      available: 3,
      store: { name: 'redis', degraded: false },
    });
    store.degraded = true;
    const report = health(pipeline(limiter));
    expect(report.status).toBe('degraded');
    expect(report.policies[1]).toMatchObject({ status: 'degraded', store: { name: 'redis', degraded: true } });
    expectSchemaValid(report);
    // A breaker that is down stays down with a degraded store.
    const open = foreign('circuitBreaker', { state: 'open', store });
    expect(health(open).status).toBe('down');
  });

  it('treats an adaptive bulkhead at its limit with no queue room as degraded', () => {
    expect(health(foreign('adaptiveBulkhead', { limit: 5, active: 5, queued: 0 })).status).toBe('degraded');
    expect(health(foreign('adaptiveBulkhead', { limit: 5, active: 5, queued: 1, maxQueue: 2 })).status).toBe('ok');
    expect(health(foreign('adaptiveBulkhead', { limit: 5, active: 5, queued: 2, maxQueue: 2 })).status).toBe(
      'degraded',
    );
  });

  it('reports a kind it does not know as ok with name and kind only, and skips what is not a breakwater policy', () => {
    const future = foreign('quantumEntangler', { state: 'open', degraded: true, store: { degraded: true } });
    const plain: Policy = { execute: (fn) => Promise.resolve(fn({} as Context)) as never };
    const report = health(pipeline(future, plain));
    expect(report).toEqual({
      status: 'ok',
      policies: [
        { name: 'pipeline', kind: 'pipeline', status: 'ok' },
        { name: 'quantumEntangler', kind: 'quantumEntangler', status: 'ok' },
      ],
    });
    expectSchemaValid(report);
  });

  it('visits a policy reached twice once', async () => {
    const clock = new VirtualClock();
    const shared = circuitBreaker({ name: 'shared', window: { kind: 'consecutive', failures: 1 }, clock });
    await shared.execute(fail).catch(() => undefined);
    const pools = keyed(() => shared, { clock });
    await pools.execute(() => 1, { key: 'a' }).catch(() => undefined);
    await pools.execute(() => 1, { key: 'b' }).catch(() => undefined);
    const report = health(pipeline(pipeline(shared), pipeline(shared), pools));
    expect(report.policies.filter((p) => p.name === 'shared')).toHaveLength(1);
    expect(report.status).toBe('down');
    expect(report.policies.find((p) => p.kind === 'keyed')).toMatchObject({
      size: 2,
      pools: { listed: 0, down: 0, degraded: 0 },
    });
  });

  it('rejects a target that is not a policy, a bad limit and unknown options', () => {
    expect(() => health({} as Policy)).toThrow(
      new TypeError('health: target must be a breakwater policy (an object with kind and name), got an object'),
    );
    expect(() => health(null as never)).toThrow(TypeError);
    expect(() => health(timeout(1), { limit: -1 })).toThrow(
      new RangeError('health: limit must be an integer >= 0, or Infinity, got -1'),
    );
    expect(() => health(timeout(1), { limit: 1.5 })).toThrow(RangeError);
    expect(() => health(timeout(1), { limit: '5' as never })).toThrow(TypeError);
    expect(() => health(timeout(1), { max: 5 } as never)).toThrow(
      new TypeError('health: unknown option max (known: limit)'),
    );
    expect(() => health(timeout(1), 5 as never)).toThrow(TypeError);
  });
});
