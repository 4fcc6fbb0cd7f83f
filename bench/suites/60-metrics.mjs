// metrics: the four-policy pipeline retry → circuitBreaker → bulkhead → timeout, bare, with
// breakwater/otel (the real OpenTelemetry SDK) or breakwater/prometheus (prom-client) attached,
// and a hand-written baseline that makes the same record/add (observe/inc) calls around the bare
// pipeline with attribute objects built once. The SDK calls cost microseconds; the adapters' own
// cost is instrumented ÷ hand-written (target ≤ 1.2×). A successful call records: breakwater.events
// ×3 (pipeline settled, retry attempt, breaker success), pipeline, attempt and call durations.
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { Counter, Histogram, Registry } from 'prom-client';
import { instrument as otel } from '../../dist/otel/index.js';
import { instrument as prometheus } from '../../dist/prometheus/index.js';

const fn = async () => 1;

class ManualReader extends MetricReader {
  async onForceFlush() {}
  async onShutdown() {}
}

export function register({ lib, compare }) {
  const fourPolicies = (name) =>
    lib.pipeline(
      { name },
      lib.retry(),
      lib.circuitBreaker(),
      lib.bulkhead({ maxConcurrent: 10, maxQueue: 10 }),
      lib.timeout(5_000),
    );
  const now = () => performance.now();

  // --- OpenTelemetry -------------------------------------------------------------------------
  const meter = new MeterProvider({ readers: [new ManualReader()] }).getMeter('bench');
  const bareOtel = fourPolicies('bare');
  const instrumentedOtel = fourPolicies('otel');
  otel(instrumentedOtel, { meter });
  const handMeter = new MeterProvider({ readers: [new ManualReader()] }).getMeter('bench-hand');
  const oEvents = handMeter.createCounter('hand.events');
  const oPipeline = handMeter.createHistogram('hand.pipeline.duration');
  const oAttempt = handMeter.createHistogram('hand.attempt.duration');
  const oCall = handMeter.createHistogram('hand.call.duration');
  const base = (name, kind) => ({ 'breakwater.policy.name': name, 'breakwater.policy.kind': kind });
  const oa = {
    settled: { ...base('hand', 'pipeline'), 'breakwater.event': 'settled' },
    attempt: { ...base('retry', 'retry'), 'breakwater.event': 'attempt' },
    success: { ...base('circuitBreaker', 'circuitBreaker'), 'breakwater.event': 'success' },
    pipeline: { ...base('hand', 'pipeline'), 'breakwater.outcome': 'success' },
    attemptDuration: { ...base('retry', 'retry'), 'breakwater.attempt': '1', 'breakwater.outcome': 'success' },
    call: { ...base('circuitBreaker', 'circuitBreaker'), 'breakwater.outcome': 'success' },
  };
  const handOtel = async () => {
    const start = now();
    const value = await bareOtel.execute(fn);
    const s = (now() - start) / 1000;
    oEvents.add(1, oa.success);
    oCall.record(s, oa.call);
    oEvents.add(1, oa.attempt);
    oAttempt.record(s, oa.attemptDuration);
    oEvents.add(1, oa.settled);
    oPipeline.record(s, oa.pipeline);
    return value;
  };
  const untouched = fourPolicies('never-instrumented');
  // The events' own cost in the core (payloads, attempt timing): the same events heard by no-ops.
  const noop = () => {};
  const listened = fourPolicies('listened');
  listened.on('settled', noop);
  listened.policies[0].on('attempt', noop);
  listened.policies[1].on('success', noop);
  // The glue a team writes by hand: listeners on the same events making the same calls.
  const glued = fourPolicies('glued');
  glued.on('settled', (e) => {
    oEvents.add(1, oa.settled);
    oPipeline.record(e.durationMs / 1000, oa.pipeline);
  });
  glued.policies[0].on('attempt', (e) => {
    oEvents.add(1, oa.attempt);
    oAttempt.record(e.durationMs / 1000, oa.attemptDuration);
  });
  glued.policies[1].on('success', (e) => {
    oEvents.add(1, oa.success);
    oCall.record(e.durationMs / 1000, oa.call);
  });

  compare('metrics: four-policy pipeline with the OpenTelemetry SDK', [
    ['bare pipeline', () => bareOtel.execute(fn)],
    ['breakwater/otel instrument()', () => instrumentedOtel.execute(fn)],
    ['a pipeline nobody instrumented (another instance)', () => untouched.execute(fn)],
    ['bare pipeline, the same three events heard by no-op listeners', () => listened.execute(fn)],
    ['hand-written: same add/record calls around the bare pipeline', handOtel, { baseline: true }],
    ['hand-written listeners on the same events, same add/record calls', () => glued.execute(fn)],
  ]);

  // --- prom-client ---------------------------------------------------------------------------
  const registry = new Registry();
  const barePrometheus = fourPolicies('bare');
  const instrumentedPrometheus = fourPolicies('prometheus');
  prometheus(instrumentedPrometheus, { registry });
  const handRegistry = new Registry();
  const names = ['breakwater_policy_name', 'breakwater_policy_kind'];
  const pEvents = new Counter({
    name: 'hand_events_total',
    help: 'h',
    labelNames: [...names, 'breakwater_event'],
    registers: [handRegistry],
  });
  const histogram = (name, extra) =>
    new Histogram({
      name,
      help: 'h',
      labelNames: [...names, ...extra],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [handRegistry],
    });
  const pPipeline = histogram('hand_pipeline_seconds', ['breakwater_outcome']);
  const pAttempt = histogram('hand_attempt_seconds', ['breakwater_attempt', 'breakwater_outcome']);
  const pCall = histogram('hand_call_seconds', ['breakwater_outcome']);
  const labels = (name, kind, extra) => ({ breakwater_policy_name: name, breakwater_policy_kind: kind, ...extra });
  const pl = {
    settled: labels('hand', 'pipeline', { breakwater_event: 'settled' }),
    attempt: labels('retry', 'retry', { breakwater_event: 'attempt' }),
    success: labels('circuitBreaker', 'circuitBreaker', { breakwater_event: 'success' }),
    pipeline: labels('hand', 'pipeline', { breakwater_outcome: 'success' }),
    attemptDuration: labels('retry', 'retry', { breakwater_attempt: '1', breakwater_outcome: 'success' }),
    call: labels('circuitBreaker', 'circuitBreaker', { breakwater_outcome: 'success' }),
  };
  const handPrometheus = async () => {
    const start = now();
    const value = await barePrometheus.execute(fn);
    const s = (now() - start) / 1000;
    pEvents.inc(pl.success, 1);
    pCall.observe(pl.call, s);
    pEvents.inc(pl.attempt, 1);
    pAttempt.observe(pl.attemptDuration, s);
    pEvents.inc(pl.settled, 1);
    pPipeline.observe(pl.pipeline, s);
    return value;
  };

  const gluedPrometheus = fourPolicies('glued');
  gluedPrometheus.on('settled', (e) => {
    pEvents.inc(pl.settled, 1);
    pPipeline.observe(pl.pipeline, e.durationMs / 1000);
  });
  gluedPrometheus.policies[0].on('attempt', (e) => {
    pEvents.inc(pl.attempt, 1);
    pAttempt.observe(pl.attemptDuration, e.durationMs / 1000);
  });
  gluedPrometheus.policies[1].on('success', (e) => {
    pEvents.inc(pl.success, 1);
    pCall.observe(pl.call, e.durationMs / 1000);
  });

  compare('metrics: four-policy pipeline with prom-client', [
    ['bare pipeline', () => barePrometheus.execute(fn)],
    ['breakwater/prometheus instrument()', () => instrumentedPrometheus.execute(fn)],
    ['hand-written: same inc/observe calls around the bare pipeline', handPrometheus, { baseline: true }],
    ['hand-written listeners on the same events, same inc/observe calls', () => gluedPrometheus.execute(fn)],
  ]);
}
