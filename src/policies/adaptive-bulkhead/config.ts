import {
  describe,
  integerAtLeast,
  isFunction,
  nonNegativeFinite,
  numberInRange,
  positiveFinite,
} from '../../core/validate.js';
import { AimdLimit } from './aimd.js';
import type { LimitAlgorithm, LimitBounds } from './algorithm.js';
import { ADAPTIVE_BULKHEAD_DEFAULTS as D, ADAPTIVE_BULKHEAD_KIND as KIND, ALGORITHM_KINDS } from './constants.js';
import { Gradient2Limit } from './gradient2.js';
import type { AdaptiveBulkheadOptions } from './options.js';
import { VegasLimit, vegasAlpha, vegasBeta } from './vegas.js';
import type { WindowSettings } from './window.js';

const OPTION_KEYS = /* @__PURE__ */ new Set([
  'algorithm',
  'initialLimit',
  'minLimit',
  'maxLimit',
  'maxQueue',
  'queueTimeout',
  'isDrop',
  'window',
  'name',
  'clock',
  'random',
]);
/** Peers' names for our options, so the error says what to use instead. */
const PEER_NAMES: Record<string, string> = {
  maxConcurrency: "concurrency-limits' name; use maxLimit",
  maxConcurrent: "bulkhead's option; the limit moves between minLimit and maxLimit",
  limit: 'the limit moves; use initialLimit, minLimit and maxLimit',
  windowSize: "concurrency-limits' name; use window.minSamples",
};
const WINDOW_KEYS = /* @__PURE__ */ new Set(['minMs', 'maxMs', 'minSamples', 'minRttMs']);
const ALGORITHM_KEYS: Record<string, Set<string>> = {
  aimd: /* @__PURE__ */ new Set(['kind', 'backoffRatio', 'timeout']),
  gradient2: /* @__PURE__ */ new Set(['kind', 'smoothing', 'rttTolerance', 'longWindow', 'queueSize']),
  vegas: /* @__PURE__ */ new Set(['kind', 'smoothing', 'probeMultiplier', 'alpha', 'beta']),
};

/** An object's keys must all be known. */
function knownKeys(path: string, value: object, known: Set<string>): void {
  for (const key of Object.keys(value)) {
    if (known.has(key)) continue;
    const hint = path === '' ? PEER_NAMES[key] : undefined;
    throw new TypeError(`${KIND}: unknown option ${path}${key}${hint === undefined ? '' : ` (${hint})`}`);
  }
}

/** The top-level keys, with the peers' names hinted; run before the shared check. */
export function checkOptionKeys(options: unknown): void {
  if (typeof options === 'object' && options !== null && !Array.isArray(options)) knownKeys('', options, OPTION_KEYS);
}

/** Every option name, for the shared unknown-key check. */
export const ADAPTIVE_OPTION_NAMES: Readonly<Record<string, true>> = Object.fromEntries(
  [...OPTION_KEYS].map((k) => [k, true]),
);

function plainObject(option: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${KIND}: ${option} must be an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

/** The options, validated and complete. */
export interface AdaptiveSettings extends LimitBounds {
  readonly algorithm: LimitAlgorithm;
  readonly window: WindowSettings;
  readonly isDrop: ((error: unknown) => boolean) | undefined;
}

/** Validates every option once, at construction, and builds the algorithm. */
export function adaptiveSettings(options: Partial<AdaptiveBulkheadOptions>): AdaptiveSettings {
  knownKeys('', options, OPTION_KEYS);
  const minLimit = options.minLimit === undefined ? D.minLimit : integerAtLeast(KIND, 'minLimit', options.minLimit, 1);
  const maxLimit = options.maxLimit === undefined ? D.maxLimit : integerAtLeast(KIND, 'maxLimit', options.maxLimit, 1);
  if (minLimit > maxLimit) {
    throw new RangeError(`${KIND}: minLimit must be <= maxLimit (${maxLimit}), got ${minLimit}`);
  }
  let initialLimit: number;
  if (options.initialLimit === undefined) {
    initialLimit = Math.min(maxLimit, Math.max(minLimit, D.initialLimit));
  } else {
    initialLimit = integerAtLeast(KIND, 'initialLimit', options.initialLimit, 1);
    if (initialLimit < minLimit || initialLimit > maxLimit) {
      throw new RangeError(
        `${KIND}: initialLimit must be an integer in [minLimit, maxLimit] = [${minLimit}, ${maxLimit}], got ${initialLimit}`,
      );
    }
  }
  const bounds: LimitBounds = { initialLimit, minLimit, maxLimit };
  const random = options.random === undefined ? Math.random : isFunction<() => number>(KIND, 'random', options.random);
  return {
    ...bounds,
    algorithm: algorithmFrom(options.algorithm, bounds, random),
    window: windowFrom(options.window),
    isDrop:
      options.isDrop === undefined
        ? undefined
        : isFunction<(error: unknown) => boolean>(KIND, 'isDrop', options.isDrop),
  };
}

function windowFrom(value: unknown): WindowSettings {
  if (value === undefined) return D.window;
  const w = plainObject('window', value);
  knownKeys('window.', w, WINDOW_KEYS);
  const minMs = w.minMs === undefined ? D.window.minMs : positiveFinite(KIND, 'window.minMs', w.minMs);
  const maxMs = w.maxMs === undefined ? Math.max(minMs, D.window.maxMs) : positiveFinite(KIND, 'window.maxMs', w.maxMs);
  if (minMs > maxMs) throw new RangeError(`${KIND}: window.minMs must be <= window.maxMs (${maxMs}), got ${minMs}`);
  return {
    minMs,
    maxMs,
    minSamples:
      w.minSamples === undefined ? D.window.minSamples : integerAtLeast(KIND, 'window.minSamples', w.minSamples, 1),
    minRttMs: w.minRttMs === undefined ? D.window.minRttMs : nonNegativeFinite(KIND, 'window.minRttMs', w.minRttMs),
  };
}

const ALGORITHM_EXPECTED = `one of ${ALGORITHM_KINDS.map((k) => `"${k}"`).join(', ')}, an object with one of them as kind, or an object with update()`;

function algorithmFrom(value: unknown, bounds: LimitBounds, random: () => number): LimitAlgorithm {
  const spec = value === undefined ? D.algorithm : value;
  if (typeof spec === 'string') {
    if (!(ALGORITHM_KINDS as readonly string[]).includes(spec)) {
      throw new RangeError(`${KIND}: algorithm must be ${ALGORITHM_EXPECTED}, got ${describe(spec)}`);
    }
    return builtIn({ kind: spec }, bounds, random);
  }
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new TypeError(`${KIND}: algorithm must be ${ALGORITHM_EXPECTED}, got ${describe(spec)}`);
  }
  const o = spec as Record<string, unknown>;
  if (typeof o.update === 'function') return spec as LimitAlgorithm;
  if (o.kind === undefined) {
    throw new TypeError(`${KIND}: algorithm must be ${ALGORITHM_EXPECTED}, got an object without kind or update`);
  }
  if (typeof o.kind !== 'string' || !(ALGORITHM_KINDS as readonly string[]).includes(o.kind)) {
    throw new RangeError(
      `${KIND}: algorithm.kind must be one of ${ALGORITHM_KINDS.map((k) => `"${k}"`).join(', ')}, got ${describe(o.kind)}`,
    );
  }
  return builtIn(o, bounds, random);
}

function builtIn(o: Record<string, unknown>, bounds: LimitBounds, random: () => number): LimitAlgorithm {
  const kind = o.kind as 'aimd' | 'gradient2' | 'vegas';
  knownKeys('algorithm.', o, ALGORITHM_KEYS[kind] as Set<string>);
  if (kind === 'aimd') {
    let backoffRatio = D.aimd.backoffRatio;
    if (o.backoffRatio !== undefined) {
      if (typeof o.backoffRatio !== 'number') {
        throw new TypeError(
          `${KIND}: algorithm.backoffRatio must be a number in [0.5, 1), got ${describe(o.backoffRatio)}`,
        );
      }
      if (!(o.backoffRatio >= 0.5 && o.backoffRatio < 1)) {
        throw new RangeError(
          `${KIND}: algorithm.backoffRatio must be a number in [0.5, 1), got ${describe(o.backoffRatio)}`,
        );
      }
      backoffRatio = o.backoffRatio;
    }
    const timeout = o.timeout === undefined ? D.aimd.timeout : positiveFinite(KIND, 'algorithm.timeout', o.timeout);
    return new AimdLimit(backoffRatio, timeout);
  }
  if (kind === 'gradient2') {
    const g = D.gradient2;
    const rttTolerance =
      o.rttTolerance === undefined ? g.rttTolerance : positiveFinite(KIND, 'algorithm.rttTolerance', o.rttTolerance);
    if (rttTolerance < 1)
      throw new RangeError(`${KIND}: algorithm.rttTolerance must be a number >= 1, got ${rttTolerance}`);
    return new Gradient2Limit(
      {
        smoothing:
          o.smoothing === undefined ? g.smoothing : numberInRange(KIND, 'algorithm.smoothing', o.smoothing, 0, 1, true),
        rttTolerance,
        longWindow:
          o.longWindow === undefined ? g.longWindow : integerAtLeast(KIND, 'algorithm.longWindow', o.longWindow, 1),
        queueSize:
          o.queueSize === undefined ? g.queueSize : nonNegativeFinite(KIND, 'algorithm.queueSize', o.queueSize),
      },
      bounds,
    );
  }
  const v = D.vegas;
  return new VegasLimit(
    {
      smoothing:
        o.smoothing === undefined ? v.smoothing : numberInRange(KIND, 'algorithm.smoothing', o.smoothing, 0, 1, true),
      probeMultiplier:
        o.probeMultiplier === undefined
          ? v.probeMultiplier
          : positiveFinite(KIND, 'algorithm.probeMultiplier', o.probeMultiplier),
      alpha:
        o.alpha === undefined ? vegasAlpha : isFunction<(limit: number) => number>(KIND, 'algorithm.alpha', o.alpha),
      beta: o.beta === undefined ? vegasBeta : isFunction<(limit: number) => number>(KIND, 'algorithm.beta', o.beta),
    },
    bounds,
    random,
  );
}
