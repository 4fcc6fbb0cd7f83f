import type { Meter, Observable, ObservableCallback } from '@opentelemetry/api';
import {
  AggregationTemporality,
  DataPointType,
  type HistogramMetricData,
  MeterProvider,
  MetricReader,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { BrokenCircuitError, circuitBreaker, constant, keyed, pipeline, retry } from '../../src/index.js';
import {
  DEFAULT_BUCKETS,
  INSTRUMENT_IDS,
  INSTRUMENTS,
  type InstrumentType as SpecType,
} from '../../src/metrics-spec/index.js';
import { instrument } from '../../src/otel/index.js';
import { VirtualClock } from '../../src/testing/index.js';
import { BASE_ATTRIBUTES, everyKind, listenerCounts, PRESENT, runEveryKind } from '../support/metrics-fixture.js';

/** A reader the test collects from by hand: no exporter, no interval. */
class ManualReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

function setup(temporality = AggregationTemporality.CUMULATIVE) {
  const reader = new ManualReader({ aggregationTemporalitySelector: () => temporality });
  const provider = new MeterProvider({ readers: [reader] });
  const meter = provider.getMeter('breakwater-test');
  const collect = async (): Promise<Map<string, MetricData>> => {
    const { resourceMetrics, errors } = await reader.collect();
    expect(errors).toEqual([]);
    const out = new Map<string, MetricData>();
    for (const scope of resourceMetrics.scopeMetrics)
      for (const metric of scope.metrics) out.set(metric.descriptor.name, metric);
    return out;
  };
  return { meter, collect };
}

/** A meter whose observable instruments count the callbacks registered on them. */
function countingMeter(meter: Meter): { meter: Meter; callbacks: Set<ObservableCallback> } {
  const callbacks = new Set<ObservableCallback>();
  const wrap = <O extends Observable>(observable: O): O =>
    Object.assign(Object.create(observable) as O, {
      addCallback: (cb: ObservableCallback) => {
        callbacks.add(cb);
        observable.addCallback(cb);
      },
      removeCallback: (cb: ObservableCallback) => {
        callbacks.delete(cb);
        observable.removeCallback(cb);
      },
    });
  const counting = Object.create(meter) as Meter;
  counting.createObservableGauge = (name, options) => wrap(meter.createObservableGauge(name, options));
  counting.createObservableUpDownCounter = (name, options) => wrap(meter.createObservableUpDownCounter(name, options));
  return { meter: counting, callbacks };
}

/** How each type of the table shows in collected data: a monotonic sum, a histogram, a gauge, a non-monotonic sum. */
function collectedType(metric: MetricData): SpecType {
  if (metric.dataPointType === DataPointType.HISTOGRAM) return 'histogram';
  if (metric.dataPointType === DataPointType.GAUGE) return 'gauge';
  return metric.dataPointType === DataPointType.SUM && metric.isMonotonic ? 'counter' : 'upDownCounter';
}

describe('breakwater/otel: the instruments of the metrics table', () => {
  const collected = (async () => {
    const { meter, collect } = setup();
    const fixture = everyKind();
    instrument(fixture.target, { meter });
    await runEveryKind(fixture);
    return { metrics: await collect(), fixture };
  })();

  it.each(PRESENT)('%s: documented name, unit, type, attribute keys and buckets', async (id) => {
    const spec = INSTRUMENTS[id];
    const metric = (await collected).metrics.get(spec.otel);
    expect(metric, `${spec.otel} is collected`).toBeDefined();
    if (metric === undefined) return;
    expect(metric.descriptor.unit).toBe(spec.unit);
    expect(collectedType(metric)).toBe(spec.type);
    expect(metric.descriptor.description).toBe(spec.help);
    expect(metric.dataPoints.length).toBeGreaterThan(0);
    const extras = new Set<string>();
    for (const point of metric.dataPoints) {
      const keys = Object.keys(point.attributes);
      for (const base of BASE_ATTRIBUTES) expect(keys).toContain(base);
      for (const key of keys) if (!BASE_ATTRIBUTES.includes(key)) extras.add(key);
    }
    // Every documented attribute shows up in the run, and no other.
    expect([...extras].sort()).toEqual([...spec.attributes].sort());
    if (spec.type === 'histogram') {
      expect(metric.dataPointType).toBe(DataPointType.HISTOGRAM);
      for (const point of (metric as HistogramMetricData).dataPoints)
        expect(point.value.buckets.boundaries).toEqual(DEFAULT_BUCKETS);
    }
  });

  it('reports what the run did: breaker closed again, one per state, transitions and rejections by reason', async () => {
    const { metrics, fixture } = await collected;
    const points = (name: string) => metrics.get(name)?.dataPoints ?? [];
    const states = points('breakwater.circuit_breaker.state').map((p) => [p.attributes['breakwater.state'], p.value]);
    expect(states).toEqual([
      ['closed', 1],
      ['open', 0],
      ['halfOpen', 0],
      ['isolated', 0],
    ]);
    const reasons = points('breakwater.rejections').map((p) => p.attributes['breakwater.reason']);
    expect(reasons).toEqual(expect.arrayContaining(['full', 'open', 'rateLimited', 'budget']));
    const opened = points('breakwater.circuit_breaker.transitions').find(
      (p) => p.attributes['breakwater.to'] === 'open',
    );
    expect(opened?.attributes).toMatchObject({
      'breakwater.from': 'closed',
      'breakwater.reason': 'consecutiveFailures',
    });
    expect(opened?.value).toBe(1);
    const wait = points('breakwater.bulkhead.queue_wait')[0] as HistogramMetricData['dataPoints'][number];
    expect(wait.value.count).toBe(1);
    expect(wait.value.sum).toBeCloseTo(0.005, 9); // 5 ms of virtual time, in seconds
    const failure = points('breakwater.call.duration').find((p) => p.attributes['breakwater.outcome'] === 'failure');
    expect(failure?.attributes['error.type']).toBe('TypeError');
    // One pool per key that got past the rate limit, each with maxConcurrent 1.
    expect(fixture.policies.keyed.size).toBeGreaterThan(1);
    expect(points('breakwater.bulkhead.limit')[0]?.value).toBe(fixture.policies.keyed.size);
    expect(points('breakwater.keyed.pools')[0]?.value).toBe(fixture.policies.keyed.size);
    expect(points('breakwater.retry_budget.available')[0]?.value).toBe(0);
  });

  it('passes the buckets option as the histograms advice', async () => {
    const { meter, collect } = setup();
    const p = pipeline({ name: 'p' });
    instrument(p, { meter, buckets: [0.1, 1] });
    await p.execute(() => 1);
    const metric = (await collect()).get('breakwater.pipeline.duration') as HistogramMetricData;
    expect(metric.dataPoints[0]?.value.buckets.boundaries).toEqual([0.1, 1]);
    expect(() => instrument(pipeline(), { meter, buckets: [1, 2] })).toThrow(
      /otel: buckets must be the ones this meter was first instrumented with/,
    );
  });

  it('adds constant attributes; error.type follows errorType; correlationId is never an attribute', async () => {
    const { meter, collect } = setup();
    const p = pipeline({ name: 'p' });
    instrument(p, {
      meter,
      attributes: { service: 'checkout' },
      errorType: (e) => (e instanceof RangeError ? 'range' : 'other'),
    });
    await p.execute(() => Promise.reject(new RangeError('x')), { correlationId: 'corr-1' }).catch(() => {});
    const point = (await collect()).get('breakwater.pipeline.duration')?.dataPoints[0];
    expect(point?.attributes).toEqual({
      service: 'checkout',
      'breakwater.policy.name': 'p',
      'breakwater.policy.kind': 'pipeline',
      'breakwater.outcome': 'failure',
      'error.type': 'range',
    });
    expect(JSON.stringify(point?.attributes)).not.toContain('corr-1');
  });

  it('error.type defaults to the BreakwaterError name, else the constructor name, else _OTHER', async () => {
    const { meter, collect } = setup();
    const p = pipeline({ name: 'p' });
    instrument(p, { meter });
    class DependencyError extends Error {}
    for (const error of [new BrokenCircuitError(0), new DependencyError('x'), 'a string', null]) {
      await p.execute(() => Promise.reject(error)).catch(() => {});
    }
    const types = (await collect())
      .get('breakwater.pipeline.duration')
      ?.dataPoints.map((d) => d.attributes['error.type']);
    expect(types).toEqual(['BrokenCircuitError', 'DependencyError', '_OTHER']);
  });

  it('buckets breakwater.attempt as 1…5 and 6+', async () => {
    const { meter, collect } = setup();
    const clock = new VirtualClock();
    const r = retry({ maxAttempts: 8, backoff: constant(0), idempotent: true, clock });
    instrument(r, { meter });
    const call = r.execute(() => Promise.reject(new Error('x'))).catch(() => {});
    for (let i = 0; i < 10; i++) await clock.advance(0);
    await call;
    const points = (await collect()).get('breakwater.attempt.duration')?.dataPoints ?? [];
    const byAttempt = Object.fromEntries(
      points.map((p) => [p.attributes['breakwater.attempt'], (p.value as { count: number }).count]),
    );
    expect(byAttempt).toEqual({ 1: 1, 2: 1, 3: 1, 4: 1, 5: 1, '6+': 3 });
  });
});

describe('breakwater/otel: detach', () => {
  it('restores exact listener counts, removes every observable callback, and can instrument again', async () => {
    const { meter: real, collect } = setup(AggregationTemporality.DELTA);
    const { meter, callbacks } = countingMeter(real);
    const fixture = everyKind();
    await runEveryKind(fixture); // a pool exists before instrumenting: it is attached too
    const before = listenerCounts(fixture);
    const handle = instrument(fixture.target, { meter });
    const during = listenerCounts(fixture);
    for (const [event, count] of Object.entries(before)) expect(during[event], event).toBe(count + 1);
    expect(callbacks.size).toBe(
      INSTRUMENT_IDS.filter((id) => !['counter', 'histogram'].includes(INSTRUMENTS[id].type)).length,
    );
    handle.detach();
    handle.detach(); // twice is harmless
    expect(listenerCounts(fixture)).toEqual(before);
    expect(callbacks.size).toBe(0);
    const after = await collect();
    expect(after.get('breakwater.circuit_breaker.state')?.dataPoints ?? []).toEqual([]);

    const again = instrument(fixture.target, { meter });
    await fixture.target.execute(() => 'v', { key: 'k' });
    const metrics = await collect();
    expect(metrics.get('breakwater.circuit_breaker.state')?.dataPoints.length).toBe(4);
    expect(metrics.get('breakwater.pipeline.duration')?.dataPoints.length).toBeGreaterThan(0);
    again.detach();
    expect(listenerCounts(fixture)).toEqual(before);
  });

  it('instruments a policy shared by two pipelines once, until its last handle detaches', async () => {
    const { meter, collect } = setup();
    const shared = circuitBreaker({ name: 'shared' });
    const one = instrument(pipeline({ name: 'a' }, shared), { meter });
    const two = instrument(pipeline({ name: 'b' }, shared), { meter });
    expect(shared.listenerCount('success')).toBe(1);
    await shared.execute(() => 1);
    const success = (await collect())
      .get('breakwater.events')
      ?.dataPoints.find((p) => p.attributes['breakwater.event'] === 'success');
    expect(success?.value).toBe(1);
    one.detach();
    expect(shared.listenerCount('success')).toBe(1);
    two.detach();
    expect(shared.listenerCount('success')).toBe(0);
  });
});

describe('breakwater/otel: keyed pools', () => {
  const KEYS = 10_000;
  const MAX_KEYS = 100;

  async function run(keyAttribute: boolean) {
    const { meter, collect } = setup(AggregationTemporality.DELTA);
    const clock = new VirtualClock();
    const pools = keyed(() => circuitBreaker({ name: 'host', clock }), { maxKeys: MAX_KEYS, clock });
    instrument(pools, { meter, keyAttribute });
    const maxSeries: number[] = [];
    for (let i = 0; i < KEYS; i++) {
      await pools.execute(() => i, { key: `host-${i}` });
      if (i % 2_500 === 2_499) {
        const states = (await collect()).get('breakwater.circuit_breaker.state')?.dataPoints ?? [];
        maxSeries.push(states.length);
        const closed = states.filter((p) => p.attributes['breakwater.state'] === 'closed');
        expect(closed.reduce((sum, p) => sum + (p.value as number), 0)).toBe(pools.size);
      }
    }
    return { maxSeries, pools, clock };
  }

  it('with keyAttribute off: one series per state, adding up to the live pools', async () => {
    const { maxSeries, pools, clock } = await run(false);
    expect(maxSeries).toEqual([4, 4, 4, 4]);
    expect(pools.size).toBe(MAX_KEYS);
    expect(clock.pending).toBe(0);
  });

  it('with keyAttribute on: series bounded by maxKeys as pools are evicted', async () => {
    const { maxSeries } = await run(true);
    expect(maxSeries).toEqual([4 * MAX_KEYS, 4 * MAX_KEYS, 4 * MAX_KEYS, 4 * MAX_KEYS]);
  });
});

describe('breakwater/otel: no timers, bad input', () => {
  it('holds no timer while idle', async () => {
    const { meter, collect } = setup();
    const fixture = everyKind();
    instrument(fixture.target, { meter });
    expect(fixture.clock.pending).toBe(0);
    await runEveryKind(fixture);
    await collect();
    expect(fixture.clock.pending).toBe(0);
  });

  it('throws TypeError naming the option and the value', () => {
    const { meter } = setup();
    const p = pipeline();
    expect(() => instrument(p, {} as never)).toThrow(
      new TypeError(
        'otel: meter must be an OpenTelemetry Meter (an object with createCounter and createObservableGauge), got undefined',
      ),
    );
    expect(() => instrument(p, { meter: {} as never })).toThrow(
      /otel: meter must be an OpenTelemetry Meter .*got an object/,
    );
    expect(() => instrument({} as never, { meter })).toThrow(
      new TypeError('otel: target must be a breakwater policy or SharedStore, got an object'),
    );
    expect(() => instrument(null as never, { meter })).toThrow(/otel: target must be .*got null/);
    expect(() => instrument(p, { meter, errorType: 'name' as never })).toThrow(
      new TypeError('otel: errorType must be a function, got "name"'),
    );
    expect(() => instrument(p, { meter, keyAttribute: 1 as never })).toThrow(
      /otel: keyAttribute must be a boolean, got 1/,
    );
    expect(() => instrument(p, { meter, attributes: { a: 1 } as never })).toThrow(
      /otel: attributes must be an object of string values/,
    );
    expect(() => instrument(p, { meter, buckets: [2, 1] })).toThrow(
      /otel: buckets must be a non-empty array of increasing finite numbers/,
    );
    expect(() => instrument(p, { meter, labels: {} } as never)).toThrow(/otel: unknown option labels/);
    expect(() => instrument(p, null as never)).toThrow(/otel: options must be an object, got null/);
  });
});
