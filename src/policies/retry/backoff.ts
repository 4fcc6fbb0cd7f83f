import {
  type OptionNames,
  describe,
  nonNegativeFinite,
  oneOf,
  optionsObject,
  positiveFinite,
} from '../../core/validate.js';
import {
  CONSTANT_KIND,
  DECORRELATED_GROWTH,
  EXPONENTIAL_DEFAULTS,
  EXPONENTIAL_KIND,
  type Jitter,
  JITTERS,
} from './constants.js';

/** What a {@link Backoff} is told about the retry it times. */
export interface BackoffInfo {
  /** The attempt that just failed (1 after the first attempt); the delay is before `attempt + 1`. */
  readonly attempt: number;
  /** The delay this backoff returned for the previous retry of the same call; 0 before the first. */
  readonly previous: number;
  /** The policy's injected source of numbers in [0, 1). */
  readonly random: () => number;
}

/**
 * Gives the delay in milliseconds before the next attempt. The policy treats
 * a negative or NaN result as 0 and caps it at 2,147,483,647.
 *
 * @example
 * ```ts
 * const linear: Backoff = ({ attempt }) => attempt * 250;
 * retry({ backoff: linear, idempotent: true });
 * ```
 */
export type Backoff = (info: BackoffInfo) => number;

/** Options of {@link exponential}. */
export interface ExponentialOptions {
  /**
   * The ceiling of the first delay, in ms: a positive finite number.
   * @defaultValue `100`
   */
  initial?: number;
  /**
   * How much the ceiling grows per attempt: a finite number >= 1 (not used by `'decorrelated'`).
   * @defaultValue `2`
   */
  factor?: number;
  /**
   * No delay is longer than this, in ms: a finite number >= `initial`.
   * @defaultValue `10_000`
   */
  max?: number;
  /**
   * How the delay is spread below its ceiling; see {@link exponential}.
   * @defaultValue `'full'`
   */
  jitter?: Jitter;
}

/**
 * The same delay before every retry.
 *
 * @param ms - a finite number >= 0.
 * @example
 * ```ts
 * retry({ backoff: constant(500), idempotent: true });
 * ```
 */
export function constant(ms: number): Backoff {
  const delay = nonNegativeFinite(CONSTANT_KIND, 'ms', ms);
  return () => delay;
}

/** Every option name of ExponentialOptions; any other key is a TypeError. */
const EXPONENTIAL_OPTIONS: OptionNames<ExponentialOptions> = { initial: true, factor: true, max: true, jitter: true };

/**
 * Delays that grow by `factor` per attempt up to `max`, spread by `jitter`.
 * With `ceiling(n) = min(max, initial × factor^(n − 1))` for the attempt
 * `n` that just failed and `u = random()` in [0, 1):
 *
 * - `'none'`: `ceiling(n)`.
 * - `'full'` (default): `u × ceiling(n)`, in [0, ceiling(n)).
 * - `'equal'`: `ceiling(n) / 2 + u × ceiling(n) / 2`, in [ceiling(n) / 2, ceiling(n)).
 * - `'decorrelated'`: `min(max, initial + u × (3 × p − initial))` where
 *   `p = max(previous, initial)`, in [initial, min(max, 3 × p)]; each delay
 *   grows from the last one drawn rather than from the attempt number.
 *
 * Every delay is finite and within [0, max] for any attempt number: the
 * ceiling saturates at `max` instead of overflowing to `Infinity` and
 * turning into `NaN`.
 *
 * @example
 * ```ts
 * retry({ backoff: exponential({ initial: 200, max: 5_000, jitter: 'equal' }) });
 * ```
 */
export function exponential(options?: ExponentialOptions): Backoff {
  const o = optionsObject<ExponentialOptions>(EXPONENTIAL_KIND, options, EXPONENTIAL_OPTIONS);
  const initial =
    o.initial === undefined ? EXPONENTIAL_DEFAULTS.initial : positiveFinite(EXPONENTIAL_KIND, 'initial', o.initial);
  const factor = o.factor === undefined ? EXPONENTIAL_DEFAULTS.factor : growthFactor(o.factor);
  const max =
    o.max === undefined ? Math.max(EXPONENTIAL_DEFAULTS.max, initial) : positiveFinite(EXPONENTIAL_KIND, 'max', o.max);
  if (max < initial) {
    throw new RangeError(
      `${EXPONENTIAL_KIND}: max must be a finite number >= initial (${initial}), got ${describe(max)}`,
    );
  }
  const jitter =
    o.jitter === undefined ? EXPONENTIAL_DEFAULTS.jitter : oneOf(EXPONENTIAL_KIND, 'jitter', o.jitter, JITTERS);
  const ceiling = (attempt: number): number => {
    // attempt <= 1, NaN included, gives the first ceiling; a huge one saturates at max.
    if (!(attempt > 1) || factor === 1) return initial < max ? initial : max;
    const grown = initial * Math.pow(factor, attempt - 1);
    return grown < max ? grown : max; // Infinity and NaN both end here as max
  };
  const within = (delay: number): number => (delay >= 0 ? (delay <= max ? delay : max) : 0);
  switch (jitter) {
    case 'none':
      return ({ attempt }) => ceiling(attempt);
    case 'full':
      return ({ attempt, random }) => within(random() * ceiling(attempt));
    case 'equal':
      return ({ attempt, random }) => {
        const half = ceiling(attempt) / 2;
        return within(half + random() * half);
      };
    case 'decorrelated':
      return ({ previous, random }) => {
        const p = previous > initial ? (previous < max ? previous : max) : initial;
        const delay = initial + random() * (DECORRELATED_GROWTH * p - initial);
        return delay >= initial ? (delay <= max ? delay : max) : initial;
      };
  }
}

function growthFactor(value: unknown): number {
  const message = `${EXPONENTIAL_KIND}: factor must be a finite number >= 1, got ${describe(value)}`;
  if (typeof value !== 'number') throw new TypeError(message);
  if (!(value >= 1) || !Number.isFinite(value)) throw new RangeError(message);
  return value;
}
