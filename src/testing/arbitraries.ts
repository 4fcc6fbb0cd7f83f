// Only types come from fast-check: the module itself is handed in by the
// caller, so that `breakwater/testing` loads without fast-check installed.
import type * as FastCheck from 'fast-check';
import type { Outcome } from '../core/policy.js';
import type { AdaptiveBulkheadOptions } from '../policies/adaptive-bulkhead/options.js';
import type { BulkheadOptions } from '../policies/bulkhead/options.js';
import type { CircuitBreakerOptions, BreakerWindow } from '../policies/circuit-breaker/options.js';
import type { InjectFaultOptions, InjectLatencyOptions } from '../policies/chaos/options.js';
import type { FallbackOptions } from '../policies/fallback/options.js';
import type { HedgeOptions } from '../policies/hedge/options.js';
import type { KeyedOptions } from '../policies/keyed/options.js';
import type { RateLimitOptions } from '../policies/rate-limit/options.js';
import { constant, exponential } from '../index.js';
import type { RetryOptions } from '../policies/retry/options.js';
import type { TimeoutStrategy } from '../policies/timeout/constants.js';
import type { TimeoutOptions } from '../policies/timeout/options.js';
import { fail, hang, type ScriptStep, succeed } from './scripted.js';
import { seededRandom } from './seeded-random.js';

/** A fast-check arbitrary (the type of the fast-check you installed). */
export type Arbitrary<T> = FastCheck.Arbitrary<T>;

/**
 * The parts of the fast-check module that {@link arbitraries} uses; pass
 * `fc` from `import fc from 'fast-check'` or `import * as fc from 'fast-check'`.
 */
export type FastCheckModule = Pick<
  typeof FastCheck,
  'array' | 'boolean' | 'constant' | 'constantFrom' | 'double' | 'integer' | 'oneof' | 'option' | 'record' | 'tuple'
>;

/** Options of the latency arbitrary: most calls are fast, a few are slow. */
export interface LatencyOptions {
  /** Fastest latency, ms. @defaultValue 0 */
  min?: number;
  /** Slowest latency of the typical (fast) body, ms. @defaultValue 20 */
  typical?: number;
  /** Slowest latency of the tail, ms. @defaultValue 2_000 */
  max?: number;
  /** The share of calls drawn from the slow tail, in [0, 1]. @defaultValue 0.1 */
  slowShare?: number;
}

/** Options of the step and fault-schedule arbitraries. */
export interface StepOptions<T> {
  /** The values of successful steps. @defaultValue `fc.constant('ok')` */
  value?: Arbitrary<T>;
  /** The errors of failed steps. @defaultValue one `Error('dependency failed')` per step */
  error?: Arbitrary<unknown>;
  /** The latency of each step; `undefined` settles at once. @defaultValue `latency()` */
  latency?: Arbitrary<number | undefined>;
  /** Whether steps may hang until aborted. @defaultValue true */
  hangs?: boolean;
}

/** Options of the fault-schedule arbitrary. */
export interface FaultScheduleOptions<T> extends StepOptions<T> {
  /** The most steps in a schedule. @defaultValue 30 */
  maxLength?: number;
}

/** A timeout's arguments: `timeout(ms, options)`. */
export interface TimeoutSpec extends TimeoutOptions {
  /** The first argument of `timeout`. */
  readonly ms: number;
  readonly strategy: TimeoutStrategy;
}

/** What {@link arbitraries} returns. */
export interface BreakwaterArbitraries {
  /** `{ ok: true, value }` or `{ ok: false, error }`. */
  outcome<T = string>(value?: Arbitrary<T>, error?: Arbitrary<unknown>): Arbitrary<Outcome>;
  /** Latencies in ms: a fast body and a slow tail. */
  latency(options?: LatencyOptions): Arbitrary<number>;
  /** One step of a scripted dependency: success, failure or hang. */
  step<T = string>(options?: StepOptions<T>): Arbitrary<ScriptStep<T>>;
  /**
   * A schedule for `scripted()` made of segments: healthy runs, failure
   * bursts, outages (every call fails or hangs), flapping (success and
   * failure alternate) and slow spells.
   */
  faultSchedule<T = string>(options?: FaultScheduleOptions<T>): Arbitrary<ScriptStep<T>[]>;
  /** Valid arguments of `timeout`. */
  timeoutOptions(): Arbitrary<TimeoutSpec>;
  /** Valid options of `retry` (delays kept short; idempotent or not; seeded jitter). */
  retryOptions(): Arbitrary<RetryOptions>;
  /** Valid options of `circuitBreaker` (every window kind, slow calls, half-open). */
  circuitBreakerOptions(): Arbitrary<CircuitBreakerOptions>;
  /** Valid options of `bulkhead`. */
  bulkheadOptions(): Arbitrary<BulkheadOptions>;
  /** Valid options of `adaptiveBulkhead` (every built-in algorithm, short windows, seeded random). */
  adaptiveBulkheadOptions(): Arbitrary<AdaptiveBulkheadOptions>;
  /** Valid options of `hedge`. */
  hedgeOptions(): Arbitrary<HedgeOptions>;
  /** Valid options of `rateLimit`. */
  rateLimitOptions(): Arbitrary<RateLimitOptions>;
  /** Valid options of `fallback` (the default `on`, or one of a few predicates). */
  fallbackOptions(): Arbitrary<FallbackOptions>;
  /** Valid options of `keyed`. */
  keyedOptions(): Arbitrary<KeyedOptions>;
  /** Valid options of `injectFault` (seeded random). */
  injectFaultOptions(): Arbitrary<InjectFaultOptions>;
  /** Valid options of `injectLatency` (seeded random). */
  injectLatencyOptions(): Arbitrary<InjectLatencyOptions>;
}

function isBreakwaterRejection(outcome: Outcome): boolean {
  return !outcome.ok && (outcome.error as { executed?: unknown } | null)?.executed === false;
}

/**
 * fast-check arbitraries for breakwater: outcomes, latencies with slow tails,
 * fault schedules for `scripted`, and valid options for every policy. Pass
 * the fast-check module you use; breakwater never loads it itself.
 *
 * @example
 * ```ts
 * import fc from 'fast-check';
 * const arb = arbitraries(fc);
 * fc.assert(fc.property(arb.circuitBreakerOptions(), (options) => { circuitBreaker(options); }));
 * ```
 */
export function arbitraries(fc: FastCheckModule): BreakwaterArbitraries {
  if (typeof fc !== 'object' || fc === null || typeof fc.integer !== 'function' || typeof fc.oneof !== 'function') {
    throw new TypeError(
      'arbitraries: pass the fast-check module, e.g. arbitraries(fc) after `import fc from "fast-check"`',
    );
  }
  const share = (p: number): number => Math.round(p * 1000);

  const latency = (options: LatencyOptions = {}): Arbitrary<number> => {
    const min = options.min ?? 0;
    const typical = Math.max(options.typical ?? 20, min);
    const max = Math.max(options.max ?? 2_000, typical);
    const slowShare = options.slowShare ?? 0.1;
    if (!(slowShare >= 0 && slowShare <= 1)) {
      throw new RangeError(`arbitraries: latency slowShare must be a number in [0, 1], got ${String(slowShare)}`);
    }
    const body = fc.integer({ min, max: typical });
    const tail = fc.integer({ min: typical, max });
    if (slowShare === 0) return body;
    if (slowShare === 1) return tail;
    return fc.oneof({ arbitrary: body, weight: share(1 - slowShare) }, { arbitrary: tail, weight: share(slowShare) });
  };

  const defaultError = (): Arbitrary<unknown> =>
    fc.integer({ min: 0, max: 1_000_000 }).map((n) => new Error(`dependency failed #${n}`));

  const outcome = <T>(value?: Arbitrary<T>, error?: Arbitrary<unknown>): Arbitrary<Outcome> =>
    fc.oneof(
      (value ?? (fc.constant('ok') as unknown as Arbitrary<T>)).map((v): Outcome => ({ ok: true, value: v })),
      (error ?? defaultError()).map((e): Outcome => ({ ok: false, error: e })),
    );

  const parts = <T>(options: StepOptions<T>) => ({
    value: options.value ?? (fc.constant('ok') as unknown as Arbitrary<T>),
    error: options.error ?? defaultError(),
    latency: options.latency ?? (fc.option(latency(), { nil: undefined, freq: 4 }) as Arbitrary<number | undefined>),
    hangs: options.hangs ?? true,
  });

  const ok = <T>(p: ReturnType<typeof parts<T>>): Arbitrary<ScriptStep<T>> =>
    fc.tuple(p.value, p.latency).map(([v, ms]) => succeed(v, ms));
  const bad = <T>(p: ReturnType<typeof parts<T>>): Arbitrary<ScriptStep<T>> =>
    fc.tuple(p.error, p.latency).map(([e, ms]) => fail(e, ms) as ScriptStep<T>);

  const step = <T>(options: StepOptions<T> = {}): Arbitrary<ScriptStep<T>> => {
    const p = parts(options);
    return p.hangs
      ? fc.oneof(
          { arbitrary: ok(p), weight: 6 },
          { arbitrary: bad(p), weight: 3 },
          { arbitrary: fc.constant(hang() as ScriptStep<T>), weight: 1 },
        )
      : fc.oneof({ arbitrary: ok(p), weight: 2 }, { arbitrary: bad(p), weight: 1 });
  };

  const faultSchedule = <T>(options: FaultScheduleOptions<T> = {}): Arbitrary<ScriptStep<T>[]> => {
    const p = parts(options);
    const maxLength = options.maxLength ?? 30;
    if (!Number.isInteger(maxLength) || maxLength < 1) {
      throw new RangeError(`arbitraries: faultSchedule maxLength must be an integer >= 1, got ${String(maxLength)}`);
    }
    const healthy = fc.array(ok(p), { minLength: 1, maxLength: 10 });
    const burst = fc.array(bad(p), { minLength: 1, maxLength: 5 });
    const outageStep = p.hangs ? fc.oneof(bad(p), fc.constant(hang() as ScriptStep<T>)) : bad(p);
    const outage = fc
      .tuple(outageStep, fc.integer({ min: 2, max: 20 }))
      .map(([s, n]) => Array.from({ length: n }, () => s));
    const flapping = fc
      .tuple(ok(p), bad(p), fc.integer({ min: 1, max: 5 }))
      .map(([good, failed, pairs]) => Array.from({ length: pairs * 2 }, (_, i) => (i % 2 === 0 ? good : failed)));
    const slow = fc
      .tuple(p.value, fc.array(latency({ typical: 200, max: 5_000, slowShare: 0.5 }), { minLength: 1, maxLength: 5 }))
      .map(([v, times]) => times.map((ms) => succeed(v, ms)));
    const segment = fc.oneof(
      { arbitrary: healthy, weight: 4 },
      { arbitrary: burst, weight: 2 },
      { arbitrary: outage, weight: 1 },
      { arbitrary: flapping, weight: 2 },
      { arbitrary: slow, weight: 1 },
    );
    return fc
      .array(segment, { minLength: 1, maxLength: Math.max(1, Math.ceil(maxLength / 3)) })
      .map((segments) => segments.flat().slice(0, maxLength));
  };

  const timeoutOptions = (): Arbitrary<TimeoutSpec> =>
    fc.record({
      ms: fc.integer({ min: 1, max: 5_000 }),
      strategy: fc.constantFrom<TimeoutStrategy>('aggressive', 'cooperative'),
    });

  const backoff = fc.oneof(
    fc.integer({ min: 0, max: 200 }).map((ms) => constant(ms)),
    fc
      .record({
        initial: fc.integer({ min: 1, max: 100 }),
        factor: fc.constantFrom(1, 1.5, 2, 3),
        spread: fc.integer({ min: 0, max: 1_000 }),
        jitter: fc.constantFrom('full' as const, 'equal' as const, 'decorrelated' as const, 'none' as const),
      })
      .map(({ initial, factor, spread, jitter }) => exponential({ initial, factor, max: initial + spread, jitter })),
  );

  const retryOptions = (): Arbitrary<RetryOptions> =>
    fc
      .record({
        maxAttempts: fc.integer({ min: 1, max: 5 }),
        backoff,
        idempotent: fc.boolean(),
        seed: fc.integer({ min: 0, max: 0x7fffffff }),
      })
      .map(({ seed, ...o }): RetryOptions => ({ ...o, random: seededRandom(seed) }));

  const window: Arbitrary<BreakerWindow> = fc.oneof(
    fc.record({ kind: fc.constant('consecutive' as const), failures: fc.integer({ min: 1, max: 10 }) }),
    fc.record({ kind: fc.constant('count' as const), size: fc.integer({ min: 1, max: 50 }) }),
    fc.record({
      kind: fc.constant('time' as const),
      ms: fc.integer({ min: 100, max: 60_000 }),
      buckets: fc.integer({ min: 1, max: 20 }),
    }),
  );
  const rate = fc.integer({ min: 1, max: 100 }).map((n) => n / 100);

  const circuitBreakerOptions = (): Arbitrary<CircuitBreakerOptions> =>
    fc
      .record({
        window,
        failureRate: rate,
        minimumCalls: fc.integer({ min: 0, max: 30 }),
        slowCall: fc.option(fc.record({ ms: fc.integer({ min: 0, max: 5_000 }), rate }), { nil: undefined }),
        openFor: fc.oneof(
          fc.integer({ min: 0, max: 60_000 }),
          fc.integer({ min: 1, max: 5_000 }).map(
            (base) =>
              (opens: number): number =>
                base * 2 ** Math.min(opens - 1, 6),
          ),
        ),
        halfOpen: fc.record({
          probes: fc.integer({ min: 1, max: 5 }),
          maxWait: fc.oneof(fc.integer({ min: 1, max: 60_000 }), fc.constant(Infinity)),
        }),
      })
      .map(({ window: w, slowCall, minimumCalls, ...o }): CircuitBreakerOptions => {
        const options: CircuitBreakerOptions = { ...o, window: w };
        if (w.kind !== 'consecutive') {
          options.minimumCalls = w.kind === 'count' ? Math.min(minimumCalls, w.size) : minimumCalls;
          if (slowCall !== undefined) options.slowCall = slowCall;
        }
        return options;
      });

  const bulkheadOptions = (): Arbitrary<BulkheadOptions> =>
    fc
      .record({
        maxConcurrent: fc.integer({ min: 1, max: 20 }),
        maxQueue: fc.oneof(
          { arbitrary: fc.integer({ min: 0, max: 20 }), weight: 4 },
          { arbitrary: fc.constant(Infinity), weight: 1 },
        ),
        queueTimeout: fc.option(fc.integer({ min: 1, max: 10_000 }), { nil: undefined }),
      })
      .map(({ queueTimeout, ...o }): BulkheadOptions => (queueTimeout === undefined ? o : { ...o, queueTimeout }));

  const adaptiveBulkheadOptions = (): Arbitrary<AdaptiveBulkheadOptions> =>
    fc
      .record({
        algorithm: fc.constantFrom<NonNullable<AdaptiveBulkheadOptions['algorithm']>>(
          'aimd',
          'gradient2',
          'vegas',
          { kind: 'aimd', backoffRatio: 0.5 },
          { kind: 'gradient2', rttTolerance: 1, smoothing: 1 },
          { kind: 'vegas', probeMultiplier: 1 },
        ),
        minLimit: fc.integer({ min: 1, max: 10 }),
        span: fc.integer({ min: 0, max: 50 }),
        at: fc.integer({ min: 0, max: 100 }),
        maxQueue: fc.integer({ min: 0, max: 20 }),
        queueTimeout: fc.option(fc.integer({ min: 1, max: 10_000 }), { nil: undefined }),
        windowMs: fc.integer({ min: 1, max: 1_000 }),
        minSamples: fc.integer({ min: 1, max: 10 }),
        seed: fc.integer({ min: 0, max: 0x7fffffff }),
      })
      .map(
        ({
          algorithm,
          minLimit,
          span,
          at,
          queueTimeout,
          windowMs,
          minSamples,
          seed,
          maxQueue,
        }): AdaptiveBulkheadOptions => {
          const options: AdaptiveBulkheadOptions = {
            algorithm,
            minLimit,
            maxLimit: minLimit + span,
            initialLimit: minLimit + Math.round((span * at) / 100),
            maxQueue,
            window: { minMs: windowMs, maxMs: windowMs, minSamples },
            random: seededRandom(seed),
          };
          if (queueTimeout !== undefined) options.queueTimeout = queueTimeout;
          return options;
        },
      );

  const hedgeOptions = (): Arbitrary<HedgeOptions> =>
    fc.record({ delay: fc.integer({ min: 0, max: 1_000 }), maxHedged: fc.integer({ min: 1, max: 3 }) });

  const rateLimitOptions = (): Arbitrary<RateLimitOptions> =>
    fc
      .record({
        limit: fc.integer({ min: 1, max: 100 }),
        perMs: fc.integer({ min: 1, max: 10_000 }),
        extra: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
      })
      .map(({ limit, perMs, extra }): RateLimitOptions =>
        extra === undefined ? { limit, perMs } : { limit, perMs, burst: 1 + extra },
      );

  const fallbackOptions = (): Arbitrary<FallbackOptions> =>
    fc.constantFrom<FallbackOptions>(
      {},
      { on: isBreakwaterRejection },
      { on: (o: Outcome) => !o.ok || o.value === undefined },
    );

  const keyedOptions = (): Arbitrary<KeyedOptions> =>
    fc
      .record({
        maxKeys: fc.integer({ min: 1, max: 10 }),
        idleMs: fc.option(fc.integer({ min: 1, max: 60_000 }), { nil: undefined }),
      })
      .map(({ maxKeys, idleMs }): KeyedOptions => (idleMs === undefined ? { maxKeys } : { maxKeys, idleMs }));

  const injectFaultOptions = (): Arbitrary<InjectFaultOptions> =>
    fc
      .record({
        rate: fc.integer({ min: 0, max: 100 }).map((n) => n / 100),
        seed: fc.integer({ min: 0, max: 0x7fffffff }),
      })
      .map(({ rate: r, seed }): InjectFaultOptions => ({
        rate: r,
        error: () => new Error('injected fault'),
        random: seededRandom(seed),
      }));

  const injectLatencyOptions = (): Arbitrary<InjectLatencyOptions> =>
    fc
      .record({
        rate: fc.integer({ min: 0, max: 100 }).map((n) => n / 100),
        ms: fc.integer({ min: 1, max: 2_000 }),
        seed: fc.integer({ min: 0, max: 0x7fffffff }),
      })
      .map(({ rate: r, ms, seed }): InjectLatencyOptions => ({ rate: r, ms, random: seededRandom(seed) }));

  return {
    outcome,
    latency,
    step,
    faultSchedule,
    timeoutOptions,
    retryOptions,
    circuitBreakerOptions,
    bulkheadOptions,
    adaptiveBulkheadOptions,
    hedgeOptions,
    rateLimitOptions,
    fallbackOptions,
    keyedOptions,
    injectFaultOptions,
    injectLatencyOptions,
  };
}
