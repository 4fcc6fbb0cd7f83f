/** Options validated and normalised once, at construction. */
import { BreakwaterListenerError, emitBreakwaterWarning, reportCallbackError } from '../../core/events.js';
import type { Outcome } from '../../core/policy.js';
import {
  describe,
  integerAtLeast,
  isFunction,
  knownKeys,
  nonNegativeFinite,
  numberInRange,
  oneOf,
  positiveFinite,
  positiveOrInfinity,
} from '../../core/validate.js';
import { BREAKER_PEER_NAMES } from '../../core/peer-names.js';
import {
  CIRCUIT_BREAKER_KIND,
  DEFAULT_FAILURE_RATE,
  DEFAULT_MAX_WAIT,
  DEFAULT_MINIMUM_CALLS,
  DEFAULT_OPEN_FOR,
  DEFAULT_PROBES,
  DEFAULT_WINDOW_BUCKETS,
  DEFAULT_WINDOW_MS,
  MAX_COUNT_WINDOW_SIZE,
  MAX_WINDOW_BUCKETS,
  WINDOW_KINDS,
} from './constants.js';
import type { MachineRules } from './machine.js';
import type { CircuitBreakerOptions } from './options.js';
import { type BreakerSnapshot, validateSnapshot } from './snapshot.js';
import { ConsecutiveHealth, CountHealth, type HealthWindow, type RateRule, TimeHealth } from './windows.js';

const K = CIRCUIT_BREAKER_KIND;

/** Everything the policy needs from its options. */
export interface BreakerConfig {
  readonly health: HealthWindow;
  readonly rules: MachineRules;
  /** `Infinity` when slow calls are not watched. */
  readonly slowMs: number;
  readonly failOn: ((outcome: Outcome) => boolean) | undefined;
  readonly snapshot: BreakerSnapshot | undefined;
}

const WINDOW_OPTIONS = {
  consecutive: { kind: true, failures: true },
  count: { kind: true, size: true },
  time: { kind: true, ms: true, buckets: true },
} as const;
const SLOW_CALL_OPTIONS = { ms: true, rate: true } as const;
const HALF_OPEN_OPTIONS = { probes: true, maxWait: true } as const;

function plainObject(option: string, value: unknown, shape: string): Partial<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${K}: ${option} must be ${shape}, got ${describe(value)}`);
  }
  return value as Partial<Record<string, unknown>>;
}

/** Settles the machine's `openFor` rule: a user function that misbehaves falls back to the default. */
function openForRule(openFor: number | ((opens: number) => number), name: string): (opens: number) => number {
  if (typeof openFor === 'number') return () => openFor;
  return (opens) => {
    let ms: unknown;
    try {
      ms = openFor(opens);
    } catch (error) {
      reportCallbackError(error, name, 'openFor', `using ${DEFAULT_OPEN_FOR}`);
      return DEFAULT_OPEN_FOR;
    }
    if (typeof ms === 'number' && ms >= 0 && Number.isFinite(ms)) return ms;
    const message = `openFor(${opens}) of policy "${name}" must return a finite number >= 0, got ${describe(ms)} (using ${DEFAULT_OPEN_FOR})`;
    emitBreakwaterWarning(new BreakwaterListenerError(`breakwater: ${message}`, new RangeError(`${K}: ${message}`)));
    return DEFAULT_OPEN_FOR;
  };
}

function buildWindow(value: unknown, options: CircuitBreakerOptions, slowCallRate: number): HealthWindow {
  if (value === undefined) {
    return new TimeHealth(DEFAULT_WINDOW_MS, DEFAULT_WINDOW_BUCKETS, rateRule(options, slowCallRate, Infinity));
  }
  const w = plainObject('window', value, 'an object with a kind');
  const kind = oneOf(K, 'window.kind', w.kind, WINDOW_KINDS);
  knownKeys(K, w, WINDOW_OPTIONS[kind], 'window', BREAKER_PEER_NAMES);
  if (kind === 'consecutive') {
    if (options.slowCall !== undefined) {
      throw new TypeError(`${K}: slowCall needs a "count" or "time" window, got window.kind "consecutive"`);
    }
    return new ConsecutiveHealth(integerAtLeast(K, 'window.failures', w.failures, 1));
  }
  if (kind === 'count') {
    const size = integerAtLeast(K, 'window.size', w.size, 1);
    if (size > MAX_COUNT_WINDOW_SIZE) {
      throw new RangeError(
        `${K}: window.size must be at most ${MAX_COUNT_WINDOW_SIZE} (one byte per call), got ${size}`,
      );
    }
    return new CountHealth(size, rateRule(options, slowCallRate, size));
  }
  const ms = positiveFinite(K, 'window.ms', w.ms);
  let buckets = DEFAULT_WINDOW_BUCKETS;
  if (w.buckets !== undefined) {
    buckets = integerAtLeast(K, 'window.buckets', w.buckets, 1);
    if (buckets > MAX_WINDOW_BUCKETS) {
      throw new RangeError(`${K}: window.buckets must be at most ${MAX_WINDOW_BUCKETS}, got ${buckets}`);
    }
  }
  return new TimeHealth(ms, buckets, rateRule(options, slowCallRate, Infinity));
}

function rateRule(options: CircuitBreakerOptions, slowCallRate: number, windowSize: number): RateRule {
  const failureRate =
    options.failureRate === undefined
      ? DEFAULT_FAILURE_RATE
      : numberInRange(K, 'failureRate', options.failureRate, 0, 1, true);
  let minimumCalls: number;
  if (options.minimumCalls === undefined) {
    minimumCalls = Math.min(DEFAULT_MINIMUM_CALLS, windowSize);
  } else {
    minimumCalls = integerAtLeast(K, 'minimumCalls', options.minimumCalls, 0);
    if (minimumCalls > windowSize) {
      throw new RangeError(`${K}: minimumCalls must be at most window.size (${windowSize}), got ${minimumCalls}`);
    }
  }
  return { failureRate, minimumCalls, slowCallRate };
}

/** Validates every option (each error names the option and the value) and fills in the defaults. */
export function resolveOptions(options: CircuitBreakerOptions, name: string): BreakerConfig {
  let slowMs = Infinity;
  let slowCallRate = Infinity;
  if (options.slowCall !== undefined) {
    const slow = plainObject('slowCall', options.slowCall, 'an object { ms, rate }');
    knownKeys(K, slow, SLOW_CALL_OPTIONS, 'slowCall', BREAKER_PEER_NAMES);
    slowMs = nonNegativeFinite(K, 'slowCall.ms', slow.ms);
    slowCallRate = numberInRange(K, 'slowCall.rate', slow.rate, 0, 1, true);
  }
  const health = buildWindow(options.window, options, slowCallRate);
  // A consecutive window does not use the rate options, but they are still checked.
  if (health instanceof ConsecutiveHealth) rateRule(options, slowCallRate, Infinity);

  let openFor: number | ((opens: number) => number) = DEFAULT_OPEN_FOR;
  if (options.openFor !== undefined) {
    openFor =
      typeof options.openFor === 'function' ? options.openFor : nonNegativeFinite(K, 'openFor', options.openFor);
  }
  let probes = DEFAULT_PROBES;
  let maxWait = DEFAULT_MAX_WAIT;
  if (options.halfOpen !== undefined) {
    const half = plainObject('halfOpen', options.halfOpen, 'an object { probes, maxWait }');
    knownKeys(K, half, HALF_OPEN_OPTIONS, 'halfOpen', BREAKER_PEER_NAMES);
    if (half.probes !== undefined) probes = integerAtLeast(K, 'halfOpen.probes', half.probes, 1);
    if (half.maxWait !== undefined) {
      maxWait = positiveOrInfinity(K, 'halfOpen.maxWait', half.maxWait);
    }
  }
  return {
    health,
    rules: { probes, maxWait, openFor: openForRule(openFor, name) },
    slowMs,
    failOn:
      options.failOn === undefined ? undefined : isFunction<(outcome: Outcome) => boolean>(K, 'failOn', options.failOn),
    snapshot: options.initialState === undefined ? undefined : validateSnapshot(options.initialState),
  };
}
