import { beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as fcNamespace from 'fast-check';
import {
  adaptiveBulkhead,
  bulkhead,
  circuitBreaker,
  fallback,
  hedge,
  injectFault,
  injectLatency,
  keyed,
  rateLimit,
  retry,
  timeout,
} from '../../src/index.js';
import { arbitraries, type BreakwaterArbitraries, scripted, VirtualClock } from '../../src/testing/index.js';

// Built in each test (not at import), so that every test exercises the factory.
let arb: BreakwaterArbitraries;
beforeEach(() => {
  arb = arbitraries(fc);
});
const NUM_RUNS = 200;

describe('arbitraries(fc)', () => {
  it('accepts the default export and the namespace of fast-check, and refuses anything else', () => {
    expect(() => arbitraries(fcNamespace)).not.toThrow();
    expect(() => arbitraries({} as never)).toThrow(TypeError);
    expect(() => arbitraries(null as never)).toThrow('arbitraries: pass the fast-check module');
  });

  it('draws outcomes of both kinds, with the values and errors given', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(arb.outcome(fc.constant(7), fc.constant('E')), (o) => {
        seen.add(o.ok ? `ok:${String(o.value)}` : `err:${String(o.error)}`);
        return o.ok ? o.value === 7 : o.error === 'E';
      }),
      { numRuns: NUM_RUNS },
    );
    expect(seen).toEqual(new Set(['ok:7', 'err:E']));
    fc.assert(
      fc.property(arb.outcome(), (o) => (o.ok ? o.value === 'ok' : o.error instanceof Error)),
      { numRuns: 50 },
    );
  });

  it('draws latencies within bounds, with a slow tail', () => {
    const samples = fc.sample(arb.latency({ min: 5, typical: 10, max: 1_000, slowShare: 0.2 }), 2_000);
    expect(samples.every((ms) => Number.isInteger(ms) && ms >= 5 && ms <= 1_000)).toBe(true);
    const slow = samples.filter((ms) => ms > 10).length / samples.length;
    expect(slow).toBeGreaterThan(0.05);
    expect(slow).toBeLessThan(0.4);
    expect(fc.sample(arb.latency({ slowShare: 0 }), 300).every((ms) => ms <= 20)).toBe(true);
    expect(fc.sample(arb.latency({ slowShare: 1, typical: 50 }), 300).every((ms) => ms >= 50 && ms <= 2_000)).toBe(
      true,
    );
    expect(() => arb.latency({ slowShare: 2 })).toThrow(
      'arbitraries: latency slowShare must be a number in [0, 1], got 2',
    );
    expect(() => arb.latency({ slowShare: NaN })).toThrow(RangeError);
  });

  it('draws every kind of step, and no hang when hangs is false', () => {
    const kinds = new Set(fc.sample(arb.step(), 500).map((s) => s.kind));
    expect(kinds).toEqual(new Set(['success', 'failure', 'hang']));
    const noHang = new Set(fc.sample(arb.step({ hangs: false, latency: fc.constant(3) }), 300).map((s) => s.kind));
    expect(noHang).toEqual(new Set(['success', 'failure']));
    for (const s of fc.sample(arb.step({ hangs: false, latency: fc.constant(3) }), 50)) {
      expect(s.kind !== 'hang' && s.latency).toBe(3);
    }
  });

  it('draws fault schedules that scripted() accepts, within maxLength, with bursts, outages and flapping', () => {
    const clock = new VirtualClock();
    const shapes = { longFailureRun: false, alternation: false, hang: false };
    fc.assert(
      fc.property(arb.faultSchedule({ maxLength: 40 }), (schedule) => {
        expect(schedule.length).toBeGreaterThanOrEqual(1);
        expect(schedule.length).toBeLessThanOrEqual(40);
        scripted(schedule, { clock });
        let run = 0;
        schedule.forEach((s, i) => {
          run = s.kind === 'success' ? 0 : run + 1;
          if (run >= 3) shapes.longFailureRun = true;
          if (s.kind === 'hang') shapes.hang = true;
          const next = schedule[i + 1];
          const after = schedule[i + 2];
          if (s.kind === 'success' && next?.kind === 'failure' && after?.kind === 'success') shapes.alternation = true;
        });
      }),
      { numRuns: NUM_RUNS },
    );
    expect(shapes).toEqual({ longFailureRun: true, alternation: true, hang: true });
    expect(
      fc
        .sample(arb.faultSchedule({ maxLength: 1, hangs: false }), 100)
        .every((s) => s.length === 1 && s[0]?.kind !== 'hang'),
    ).toBe(true);
    expect(() => arb.faultSchedule({ maxLength: 0 })).toThrow(
      'arbitraries: faultSchedule maxLength must be an integer >= 1, got 0',
    );
  });

  it('draws only valid options for every policy (construction never throws)', () => {
    const clock = new VirtualClock();
    fc.assert(
      fc.property(
        arb.timeoutOptions(),
        arb.retryOptions(),
        arb.circuitBreakerOptions(),
        arb.bulkheadOptions(),
        arb.hedgeOptions(),
        arb.rateLimitOptions(),
        arb.fallbackOptions(),
        arb.keyedOptions(),
        arb.injectFaultOptions(),
        arb.injectLatencyOptions(),
        arb.adaptiveBulkheadOptions(),
        (t, r, cb, b, h, rl, f, k, fault, latency, ab) => {
          timeout(t.ms, { strategy: t.strategy, clock });
          retry({ ...r, clock });
          circuitBreaker({ ...cb, clock });
          bulkhead({ ...b, clock });
          hedge({ ...h, clock });
          rateLimit({ ...rl, clock });
          fallback('fallback', f);
          keyed(() => bulkhead({ maxConcurrent: 1, clock }), { ...k, clock });
          injectFault(fault);
          injectLatency({ ...latency, clock });
          const pool = adaptiveBulkhead({ ...ab, clock });
          expect(pool.limit).toBeGreaterThanOrEqual(pool.minLimit);
          expect(pool.limit).toBeLessThanOrEqual(pool.maxLimit);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it('covers every circuit-breaker window kind and both timeout strategies', () => {
    const windows = new Set(fc.sample(arb.circuitBreakerOptions(), 300).map((o) => o.window?.kind));
    expect(windows).toEqual(new Set(['consecutive', 'count', 'time']));
    const strategies = new Set(fc.sample(arb.timeoutOptions(), 100).map((o) => o.strategy));
    expect(strategies).toEqual(new Set(['aggressive', 'cooperative']));
  });

  it('gives fallback predicates that work on outcomes', () => {
    const ons = fc
      .sample(arb.fallbackOptions(), 100)
      .map((o) => o.on)
      .filter((on) => on !== undefined);
    expect(ons.length).toBeGreaterThan(0);
    for (const on of ons) {
      expect(on({ ok: false, error: { executed: false } })).toBe(true);
    }
  });

  it('draws errors that say which failure they are', () => {
    for (const o of fc.sample(arb.outcome(fc.constant(1)), 100)) {
      if (!o.ok) expect(String(o.error)).toMatch(/^Error: dependency failed #\d+$/);
    }
  });

  it('makes flapping segments alternate success and failure, starting with a success', () => {
    let seen = false;
    for (const schedule of fc.sample(arb.faultSchedule({ hangs: false, latency: fc.constant(undefined) }), 300)) {
      for (let i = 0; i + 3 < schedule.length; i++) {
        const kinds = schedule.slice(i, i + 4).map((st) => st.kind);
        if (kinds.join() === 'success,failure,success,failure') seen = true;
      }
    }
    expect(seen).toBe(true);
  });

  it('keeps the schedule within a few segments of maxLength', () => {
    const lengths = fc.sample(arb.faultSchedule({ maxLength: 3 }), 300).map((s) => s.length);
    expect(Math.max(...lengths)).toBe(3);
    expect(Math.min(...lengths)).toBeGreaterThanOrEqual(1);
  });

  it('uses every optional field of the options sometimes, and leaves it out other times', () => {
    const both = <T>(values: T[], has: (v: T) => boolean): void => {
      expect(values.some(has)).toBe(true);
      expect(values.some((v) => !has(v))).toBe(true);
    };
    const breakers = fc.sample(arb.circuitBreakerOptions(), 400);
    both(breakers, (o) => 'slowCall' in o);
    both(breakers, (o) => 'minimumCalls' in o);
    both(breakers, (o) => typeof o.openFor === 'function');
    for (const o of breakers) {
      if (o.window?.kind === 'consecutive') expect('slowCall' in o || 'minimumCalls' in o).toBe(false);
      if (o.window?.kind === 'count') expect(o.minimumCalls ?? 0).toBeLessThanOrEqual(o.window.size);
      expect(o.failureRate).toBeGreaterThan(0);
      expect(o.failureRate).toBeLessThanOrEqual(1);
      if (typeof o.openFor === 'function') {
        const base = o.openFor(1);
        expect(base).toBeGreaterThanOrEqual(1);
        expect(o.openFor(2)).toBe(base * 2);
        expect(o.openFor(7)).toBe(base * 64);
        expect(o.openFor(100)).toBe(base * 64);
      }
    }
    both(fc.sample(arb.bulkheadOptions(), 200), (o) => 'queueTimeout' in o);
    both(fc.sample(arb.bulkheadOptions(), 200), (o) => o.maxQueue === Infinity);
    both(fc.sample(arb.rateLimitOptions(), 200), (o) => 'burst' in o);
    both(fc.sample(arb.keyedOptions(), 200), (o) => 'idleMs' in o);
    const retries = fc.sample(arb.retryOptions(), 100);
    for (const o of retries) {
      expect(typeof o.random).toBe('function');
      const r = o.random?.() ?? -1;
      expect(r >= 0 && r < 1).toBe(true);
      const delay = o.backoff?.({ attempt: 1, previous: 0, random: () => 0.5 }) ?? -1;
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(1_100);
    }
    both(retries, (o) => o.idempotent === true);
    for (const o of fc.sample(arb.injectFaultOptions(), 20)) {
      const error = typeof o.error === 'function' ? (o.error as () => unknown)() : o.error;
      expect(String(error)).toBe('Error: injected fault');
      expect(o.rate >= 0 && o.rate <= 1).toBe(true);
    }
    for (const o of fc.sample(arb.injectLatencyOptions(), 20)) {
      expect(o.ms).toBeGreaterThanOrEqual(1);
      expect(typeof o.random).toBe('function');
    }
    for (const o of fc.sample(arb.hedgeOptions(), 20)) expect(o.maxHedged).toBeGreaterThanOrEqual(1);
  });

  it('gives fallback predicates: breakwater rejections only, or errors and undefined values', () => {
    const ons = fc.sample(arb.fallbackOptions(), 200).map((o) => o.on);
    expect(ons.some((on) => on === undefined)).toBe(true);
    const rejectionsOnly = ons.find((on) => on !== undefined && on({ ok: false, error: new Error('x') }) === false);
    const broad = ons.find((on) => on !== undefined && on({ ok: false, error: new Error('x') }) === true);
    expect(rejectionsOnly?.({ ok: false, error: { executed: false } })).toBe(true);
    expect(rejectionsOnly?.({ ok: false, error: { executed: true } })).toBe(false);
    expect(rejectionsOnly?.({ ok: false, error: null })).toBe(false);
    expect(rejectionsOnly?.({ ok: true, value: { executed: false } })).toBe(false);
    expect(broad?.({ ok: true, value: undefined })).toBe(true);
    expect(broad?.({ ok: true, value: 0 })).toBe(false);
  });
});
