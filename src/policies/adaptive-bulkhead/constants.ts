/** The default `name` of an adaptive bulkhead, and the prefix of its error messages. */
export const ADAPTIVE_BULKHEAD_KIND = 'adaptiveBulkhead' as const;
/** The built-in limit algorithms, by name. */
export const ALGORITHM_KINDS: readonly ('aimd' | 'gradient2' | 'vegas')[] = /* @__PURE__ */ Object.freeze([
  'aimd',
  'gradient2',
  'vegas',
] as const);

/**
 * Every default of `adaptiveBulkhead` and of its algorithms (concurrency-limits'
 * defaults, except the limits, which are the policy's), in one frozen object.
 *
 * @example
 * ```ts
 * ADAPTIVE_BULKHEAD_DEFAULTS.aimd.backoffRatio; // 0.9
 * ```
 */
export const ADAPTIVE_BULKHEAD_DEFAULTS: {
  readonly algorithm: 'aimd';
  readonly initialLimit: number;
  readonly minLimit: number;
  readonly maxLimit: number;
  readonly maxQueue: number;
  readonly window: {
    readonly minMs: number;
    readonly maxMs: number;
    readonly minSamples: number;
    readonly minRttMs: number;
  };
  readonly aimd: { readonly backoffRatio: number; readonly timeout: number };
  readonly gradient2: {
    readonly smoothing: number;
    readonly rttTolerance: number;
    readonly longWindow: number;
    readonly queueSize: number;
  };
  readonly vegas: { readonly smoothing: number; readonly probeMultiplier: number };
} = /* @__PURE__ */ Object.freeze({
  algorithm: 'aimd',
  initialLimit: 20,
  minLimit: 1,
  maxLimit: 200,
  maxQueue: 0,
  window: /* @__PURE__ */ Object.freeze({ minMs: 1_000, maxMs: 1_000, minSamples: 10, minRttMs: 0.1 }),
  aimd: /* @__PURE__ */ Object.freeze({ backoffRatio: 0.9, timeout: 5_000 }),
  gradient2: /* @__PURE__ */ Object.freeze({ smoothing: 0.2, rttTolerance: 1.5, longWindow: 600, queueSize: 4 }),
  vegas: /* @__PURE__ */ Object.freeze({ smoothing: 1, probeMultiplier: 30 }),
} as const);
