import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BulkheadRejectedError, TimeoutError } from '../../src/index.js';
import { attemptBucket, DEFAULT_BUCKETS, defaultErrorType, EVENTS, INSTRUMENTS } from '../../src/metrics-spec/index.js';

describe('the metrics table', () => {
  it('pins every instrument: OTel name, Prometheus name, type, unit, extra attributes (DESIGN "Metrics")', () => {
    const rows = Object.values(INSTRUMENTS).map((s) => [s.otel, s.prometheus, s.type, s.unit, s.attributes.join(' ')]);
    expect(rows).toEqual([
      ['breakwater.events', 'events_total', 'counter', '{event}', 'breakwater.event error.type'],
      ['breakwater.pipeline.duration', 'pipeline_duration_seconds', 'histogram', 's', 'breakwater.outcome error.type'],
      ['breakwater.call.duration', 'call_duration_seconds', 'histogram', 's', 'breakwater.outcome error.type'],
      ['breakwater.bulkhead.queue_wait', 'bulkhead_queue_wait_seconds', 'histogram', 's', ''],
      [
        'breakwater.attempt.duration',
        'attempt_duration_seconds',
        'histogram',
        's',
        'breakwater.attempt breakwater.outcome',
      ],
      ['breakwater.circuit_breaker.state', 'circuit_breaker_state', 'gauge', '{breaker}', 'breakwater.state'],
      [
        'breakwater.circuit_breaker.transitions',
        'circuit_breaker_transitions_total',
        'counter',
        '{transition}',
        'breakwater.from breakwater.to breakwater.reason',
      ],
      ['breakwater.circuit_breaker.failure_rate', 'circuit_breaker_failure_rate', 'gauge', '1', ''],
      ['breakwater.bulkhead.active', 'bulkhead_active', 'upDownCounter', '{call}', ''],
      ['breakwater.bulkhead.queued', 'bulkhead_queued', 'upDownCounter', '{call}', ''],
      ['breakwater.bulkhead.limit', 'bulkhead_limit', 'upDownCounter', '{call}', ''],
      ['breakwater.rejections', 'rejections_total', 'counter', '{call}', 'breakwater.reason'],
      ['breakwater.retry_budget.available', 'retry_budget_available', 'gauge', '{token}', ''],
      ['breakwater.keyed.pools', 'keyed_pools', 'upDownCounter', '{pool}', ''],
      ['breakwater.store.degraded', 'store_degraded', 'gauge', '1', 'breakwater.store.name'],
    ]);
    expect(DEFAULT_BUCKETS).toEqual([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
    expect(EVENTS.cache).toEqual(['hit', 'miss', 'stale', 'coalesced']);
    expect(EVENTS.store).toEqual(['degraded', 'restored']);
  });

  it('buckets attempts as 1…5 and 6+', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 100].map(attemptBucket)).toEqual(['1', '2', '3', '4', '5', '6+', '6+', '6+']);
  });

  it('names an error by its BreakwaterError name, else its constructor, else _OTHER', () => {
    class Custom extends Error {}
    expect(defaultErrorType(new TimeoutError(10))).toBe('TimeoutError');
    expect(defaultErrorType(new BulkheadRejectedError('full'))).toBe('BulkheadRejectedError');
    expect(defaultErrorType(new Custom('x'))).toBe('Custom');
    expect(defaultErrorType({ name: 'NotBranded' })).toBe('Object');
    expect(defaultErrorType(Object.create(null))).toBe('_OTHER');
    expect(defaultErrorType('text')).toBe('_OTHER');
    expect(defaultErrorType(undefined)).toBe('_OTHER');
  });
});

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('the built entries', () => {
  it.skipIf(!existsSync(`${root}/dist/otel/index.js`) && !process.env.CI)(
    'a process that only creates and instruments policies exits by itself',
    async () => {
      const script = `
        import { bulkhead, circuitBreaker, keyed, pipeline, retry, retryBudget, timeout } from 'breakwater';
        import { instrument as otel } from 'breakwater/otel';
        import { instrument as prometheus } from 'breakwater/prometheus';
        import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
        import { Registry } from 'prom-client';
        class Reader extends MetricReader { async onForceFlush() {} async onShutdown() {} }
        const reader = new Reader();
        const meter = new MeterProvider({ readers: [reader] }).getMeter('exit');
        const p = pipeline({ name: 'p' }, retry({ budget: retryBudget() }), circuitBreaker(), keyed(() => bulkhead({ maxConcurrent: 1 })), timeout(1000));
        otel(p, { meter });
        const registry = new Registry();
        prometheus(p, { registry });
        await p.execute(() => 1, { key: 'a' });
        await registry.metrics();
        await reader.collect();
        console.log('done');`;
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve(null);
        }, 15_000);
        child.once('exit', (c) => {
          clearTimeout(timer);
          resolve(c);
        });
      });
      expect(out.trim()).toBe('done');
      expect(code, 'exits with 0 on its own, before the 15 s kill').toBe(0);
    },
    20_000,
  );
});
