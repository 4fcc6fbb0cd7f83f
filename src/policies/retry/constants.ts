/** The default `name` of a retry policy. */
export const RETRY_KIND = 'retry' as const;
/** The name used in messages about `exponential()` options. */
export const EXPONENTIAL_KIND = 'exponential';
/** The name used in messages about `constant()` options. */
export const CONSTANT_KIND = 'constant';

/** Attempts in all, the first included. */
export const DEFAULT_MAX_ATTEMPTS = 3;
/** Calls that do not say otherwise are not idempotent: they run once unless an error proves they never started. */
export const DEFAULT_IDEMPOTENT = false;

/**
 * Error codes that prove a request never reached the server: Node's
 * connection refused and DNS failures, and undici's connect timeout (which
 * `fetch` wraps in a `TypeError` whose `cause` carries the code).
 */
export const DEFAULT_NOT_EXECUTED_CODES: readonly string[] = /* @__PURE__ */ Object.freeze([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** How `exponential()` spreads its delays. */
export type Jitter = 'full' | 'equal' | 'decorrelated' | 'none';
/** The jitters `exponential()` accepts. */
export const JITTERS: readonly Jitter[] = /* @__PURE__ */ Object.freeze([
  'full',
  'equal',
  'decorrelated',
  'none',
] as const);

/** Defaults of `exponential()`. */
export const EXPONENTIAL_DEFAULTS: Readonly<{ initial: number; factor: number; max: number; jitter: Jitter }> =
  /* @__PURE__ */ Object.freeze({ initial: 100, factor: 2, max: 10_000, jitter: 'full' });

/** `decorrelated` jitter draws the next delay from [initial, 3 × previous]. */
export const DECORRELATED_GROWTH = 3;

/** The longest sleep the platform timers hold without overflowing (about 24.8 days). */
export const MAX_SLEEP_MS = 2_147_483_647;
