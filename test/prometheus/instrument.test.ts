import { register, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { circuitBreaker, type Context, keyed, pipeline, type Policy, retry } from '../../src/index.js';
import { DEFAULT_BUCKETS, INSTRUMENTS, type InstrumentType } from '../../src/metrics-spec/index.js';
import { DEFAULT_PREFIX, instrument } from '../../src/prometheus/index.js';
import { VirtualClock } from '../../src/testing/index.js';
import { BASE_ATTRIBUTES, everyKind, listenerCounts, PRESENT, runEveryKind } from '../support/metrics-fixture.js';

const PROM_TYPE: Record<InstrumentType, string> = {
  counter: 'counter',
  histogram: 'histogram',
  gauge: 'gauge',
  upDownCounter: 'gauge',
};
const label = (key: string): string => key.replace(/\./g, '_');
const BASE_LABELS = BASE_ATTRIBUTES.map(label);

interface Value {
  readonly value: number;
  readonly labels: Record<string, string | number>;
  readonly metricName?: string;
}

async function json(registry: Registry): Promise<Map<string, { type: string; help: string; values: Value[] }>> {
  const out = new Map<string, { type: string; help: string; values: Value[] }>();
  for (const metric of await registry.getMetricsAsJSON()) {
    out.set(metric.name, metric as unknown as { type: string; help: string; values: Value[] });
  }
  return out;
}

describe('breakwater/prometheus: the metrics of the table', () => {
  const collected = (async () => {
    const registry = new Registry();
    const fixture = everyKind();
    instrument(fixture.target, { registry });
    await runEveryKind(fixture);
    return { metrics: await json(registry), text: await registry.metrics(), fixture };
  })();

  it.each(PRESENT)('%s: documented name, type, help, label names and buckets', async (id) => {
    const spec = INSTRUMENTS[id];
    const { metrics, text } = await collected;
    const name = DEFAULT_PREFIX + spec.prometheus;
    const metric = metrics.get(name);
    expect(metric, `${name} is in registry.metrics()`).toBeDefined();
    if (metric === undefined) return;
    expect(metric.type).toBe(PROM_TYPE[spec.type]);
    expect(metric.help).toBe(spec.help);
    expect(text).toContain(`# TYPE ${name} ${PROM_TYPE[spec.type]}`);
    const extras = new Set<string>();
    const values = metric.values.filter((v) => v.metricName === undefined || !v.metricName.endsWith('_bucket'));
    expect(values.length).toBeGreaterThan(0);
    for (const value of values) {
      const keys = Object.keys(value.labels);
      for (const base of BASE_LABELS) expect(keys).toContain(base);
      for (const key of keys) if (!BASE_LABELS.includes(key)) extras.add(key);
    }
    expect([...extras].sort()).toEqual(spec.attributes.map(label).sort());
    if (spec.type === 'histogram') {
      const les = new Set(metric.values.filter((v) => v.metricName === `${name}_bucket`).map((v) => v.labels.le));
      expect([...les]).toEqual([...DEFAULT_BUCKETS, '+Inf']);
    }
  });

  it('reports what the run did: the breaker closed again, rejections by reason', async () => {
    const { metrics } = await collected;
    const states = metrics
      .get('breakwater_circuit_breaker_state')
      ?.values.map((v) => [v.labels.breakwater_state, v.value]);
    expect(states).toEqual([
      ['closed', 1],
      ['open', 0],
      ['halfOpen', 0],
      ['isolated', 0],
    ]);
    const reasons = metrics.get('breakwater_rejections_total')?.values.map((v) => v.labels.breakwater_reason);
    expect(reasons).toEqual(expect.arrayContaining(['full', 'open', 'rateLimited', 'budget']));
  });

  it('uses the prefix, constant labels and buckets options', async () => {
    const registry = new Registry();
    const p = pipeline({ name: 'p' });
    instrument(p, { registry, prefix: 'app_', labels: { service: 'checkout' }, buckets: [0.5, 1] });
    await p.execute(() => 1, { correlationId: 'corr-1' });
    const text = await registry.metrics();
    expect(text).toContain(
      'app_pipeline_duration_seconds_bucket{le="0.5",service="checkout",breakwater_policy_name="p",breakwater_policy_kind="pipeline",breakwater_outcome="success"} 1',
    );
    expect(text).not.toContain('breakwater_events_total');
    expect(text).not.toContain('corr-1');
  });
});

describe('breakwater/prometheus: registries', () => {
  it('two targets into one registry: no "already registered", and detach removes the series it alone fed', async () => {
    const registry = new Registry();
    const a = pipeline({ name: 'a' }, circuitBreaker({ name: 'breaker-a' }));
    const b = pipeline({ name: 'b' }, circuitBreaker({ name: 'breaker-b' }));
    const first = instrument(a, { registry });
    const second = instrument(b, { registry });
    await a.execute(() => 1);
    await b.execute(() => 1);
    let text = await registry.metrics();
    expect(text).toContain('breakwater_policy_name="breaker-a"');
    expect(text).toContain('breakwater_policy_name="breaker-b"');
    first.detach();
    text = await registry.metrics();
    expect(text).not.toContain('"a"');
    expect(text).not.toContain('breaker-a');
    expect(text).toContain('breakwater_policy_name="breaker-b"');
    second.detach();
    expect(registry.getMetricsAsArray()).toEqual([]);
    // Again after detach, into the same registry.
    const again = instrument(a, { registry });
    await a.execute(() => 1);
    expect(await registry.metrics()).toContain('breakwater_pipeline_duration_seconds_count{breakwater_policy_name="a"');
    again.detach();
  });

  it('declares the constant label names once per registry, and refuses others', () => {
    const registry = new Registry();
    const handle = instrument(pipeline(), { registry, labels: { service: 'x' } });
    expect(() => instrument(pipeline(), { registry, labels: { service: 'y' } }).detach()).not.toThrow();
    expect(() => instrument(pipeline(), { registry, labels: { region: 'eu' } })).toThrow(
      /prometheus: labels must have the names declared in this registry \(service\), got region/,
    );
    expect(() => instrument(pipeline(), { registry, labels: { service: 'x' }, prefix: 'other_' })).toThrow(
      /prometheus: prefix must be "breakwater_"/,
    );
    handle.detach();
  });

  it('detach restores exact listener counts; a shared policy is instrumented once', async () => {
    const registry = new Registry();
    const fixture = everyKind();
    await runEveryKind(fixture);
    const before = listenerCounts(fixture);
    const one = instrument(fixture.target, { registry });
    const two = instrument(fixture.policies.breaker, { registry });
    const during = listenerCounts(fixture);
    for (const [event, count] of Object.entries(before)) expect(during[event], event).toBe(count + 1);
    one.detach();
    expect(fixture.policies.breaker.listenerCount('success')).toBe(1);
    two.detach();
    expect(listenerCounts(fixture)).toEqual(before);
    expect(registry.getMetricsAsArray()).toEqual([]);
  });

  it("skips a policy that is not breakwater's inside a pipeline", async () => {
    const registry = new Registry();
    const foreign = {
      execute: (fn: (ctx: Context) => unknown) => Promise.resolve(fn({} as Context)),
    } as unknown as Policy;
    const p = pipeline({ name: 'mixed' }, foreign, circuitBreaker({ name: 'ours' }));
    const handle = instrument(p, { registry });
    await p.execute(() => 1);
    const text = await registry.metrics();
    expect(text).toContain(
      'breakwater_call_duration_seconds_count{breakwater_policy_name="ours",breakwater_policy_kind="circuitBreaker",breakwater_outcome="success"} 1',
    );
    expect(text).toContain('breakwater_pipeline_duration_seconds_count{breakwater_policy_name="mixed"');
    handle.detach();
    expect(registry.getMetricsAsArray()).toEqual([]);
  });

  it('never touches the global register', async () => {
    const registry = new Registry();
    const fixture = everyKind();
    const handle = instrument(fixture.target, { registry });
    await runEveryKind(fixture);
    await registry.metrics();
    expect(register.getMetricsAsArray()).toHaveLength(0);
    handle.detach();
  });
});

describe('breakwater/prometheus: keyed pools', () => {
  const KEYS = 10_000;
  const MAX_KEYS = 100;

  async function run(keyLabel: boolean): Promise<number[]> {
    const registry = new Registry();
    const clock = new VirtualClock();
    const pools = keyed(() => circuitBreaker({ name: 'host', clock }), { maxKeys: MAX_KEYS, clock });
    instrument(pools, { registry, keyLabel });
    const series: number[] = [];
    for (let i = 0; i < KEYS; i++) {
      await pools.execute(() => i, { key: `host-${i}` });
      if (i % 2_500 === 2_499) {
        const metrics = await json(registry);
        const states = metrics.get('breakwater_circuit_breaker_state')?.values ?? [];
        series.push(states.length);
        const closed = states
          .filter((v) => v.labels.breakwater_state === 'closed')
          .reduce((sum, v) => sum + v.value, 0);
        expect(closed).toBe(pools.size);
        // The events counter forgets the series of evicted pools too.
        const created =
          metrics
            .get('breakwater_events_total')
            ?.values.filter((v) => v.labels.breakwater_policy_kind === 'circuitBreaker') ?? [];
        expect(created.length).toBeLessThanOrEqual(keyLabel ? MAX_KEYS : 1);
      }
    }
    expect(clock.pending).toBe(0);
    return series;
  }

  it('with keyLabel off: one series per state, adding up to the live pools', async () => {
    expect(await run(false)).toEqual([4, 4, 4, 4]);
  });

  it('with keyLabel on: series bounded by maxKeys as pools are evicted', async () => {
    expect(await run(true)).toEqual([4 * MAX_KEYS, 4 * MAX_KEYS, 4 * MAX_KEYS, 4 * MAX_KEYS]);
  });
});

describe('breakwater/prometheus: no timers, bad input', () => {
  it('holds no timer while idle', async () => {
    const registry = new Registry();
    const clock = new VirtualClock();
    const r = retry({ clock });
    instrument(pipeline({ clock }, r, circuitBreaker({ clock })), { registry });
    expect(clock.pending).toBe(0);
    await registry.metrics();
    expect(clock.pending).toBe(0);
  });

  it('throws TypeError naming the option and the value', () => {
    const registry = new Registry();
    const p = pipeline();
    expect(() => instrument(p, {} as never)).toThrow(
      new TypeError('prometheus: registry must be a prom-client Registry, got undefined'),
    );
    expect(() => instrument(p, { registry: {} as never })).toThrow(
      /prometheus: registry must be a prom-client Registry, got an object/,
    );
    expect(() => instrument(p, { registry: register })).toThrow(
      /prometheus: registry must be a Registry of your own, got prom-client's global register/,
    );
    expect(() => instrument(42 as never, { registry })).toThrow(
      new TypeError('prometheus: target must be a breakwater policy or SharedStore, got 42'),
    );
    expect(() => instrument({ execute: () => 1 } as never, { registry })).toThrow(
      /prometheus: target must be a breakwater policy/,
    );
    expect(() => instrument(p, { registry, errorType: {} as never })).toThrow(
      new TypeError('prometheus: errorType must be a function, got an object'),
    );
    expect(() => instrument(p, { registry, keyLabel: 'yes' as never })).toThrow(
      /prometheus: keyLabel must be a boolean, got "yes"/,
    );
    expect(() => instrument(p, { registry, prefix: 'bad-prefix' })).toThrow(
      /prometheus: prefix must be a valid metric name prefix, got "bad-prefix"/,
    );
    expect(() => instrument(p, { registry, labels: { 'bad-name': 'x' } })).toThrow(
      /prometheus: labels must have valid label names/,
    );
    expect(() => instrument(p, { registry, meter: {} } as never)).toThrow(/prometheus: unknown option meter/);
    expect(registry.getMetricsAsArray()).toEqual([]);
  });
});
