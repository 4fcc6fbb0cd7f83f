/**
 * One validator for every option of every policy, so that messages read the
 * same everywhere: `timeout: ms must be a positive finite number, got -5`.
 */

/** Renders a received value for an error message. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function fail(kind: 'type' | 'range', policy: string, option: string, expected: string, value: unknown): never {
  const message = `${policy}: ${option} must be ${expected}, got ${describe(value)}`;
  throw kind === 'type' ? new TypeError(message) : new RangeError(message);
}

function requireNumber(policy: string, option: string, expected: string, value: unknown): number {
  if (typeof value !== 'number') fail('type', policy, option, expected, value);
  return value;
}

/** A number > 0 and finite. */
export function positiveFinite(policy: string, option: string, value: unknown): number {
  const expected = 'a positive finite number';
  const n = requireNumber(policy, option, expected, value);
  if (!(n > 0) || !Number.isFinite(n)) fail('range', policy, option, expected, value);
  return n;
}

/** A number >= 0 and finite. */
export function nonNegativeFinite(policy: string, option: string, value: unknown): number {
  const expected = 'a finite number >= 0';
  const n = requireNumber(policy, option, expected, value);
  if (!(n >= 0) || !Number.isFinite(n)) fail('range', policy, option, expected, value);
  return n;
}

/** An integer >= `min`, or `Infinity` when `allowInfinity`. */
export function integerAtLeast(policy: string, option: string, value: unknown, min: number, allowInfinity = false): number {
  const expected = `an integer >= ${min}${allowInfinity ? ', or Infinity' : ''}`;
  const n = requireNumber(policy, option, expected, value);
  if (n === Infinity && allowInfinity) return n;
  if (!Number.isInteger(n) || n < min) fail('range', policy, option, expected, value);
  return n;
}

/** A number in [min, max] (or (min, max] when `minExclusive`). */
export function numberInRange(
  policy: string,
  option: string,
  value: unknown,
  min: number,
  max: number,
  minExclusive = false,
): number {
  const expected = `a number in ${minExclusive ? '(' : '['}${min}, ${max}]`;
  const n = requireNumber(policy, option, expected, value);
  if (!(minExclusive ? n > min : n >= min) || !(n <= max)) fail('range', policy, option, expected, value);
  return n;
}

/** One of a fixed list of strings. */
export function oneOf<T extends string>(policy: string, option: string, value: unknown, allowed: readonly T[]): T {
  const expected = `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`;
  if (typeof value !== 'string') fail('type', policy, option, expected, value);
  if (!(allowed as readonly string[]).includes(value)) fail('range', policy, option, expected, value);
  return value as T;
}

/** A function. */
export function isFunction<F extends (...args: never[]) => unknown>(policy: string, option: string, value: unknown): F {
  if (typeof value !== 'function') fail('type', policy, option, 'a function', value);
  return value as F;
}

/** A boolean. */
export function isBoolean(policy: string, option: string, value: unknown): boolean {
  if (typeof value !== 'boolean') fail('type', policy, option, 'a boolean', value);
  return value;
}

/** A non-empty string. */
export function nonEmptyString(policy: string, option: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) fail('type', policy, option, 'a non-empty string', value);
  return value;
}

/** A number > 0, or `Infinity`. */
export function positiveOrInfinity(policy: string, option: string, value: unknown): number {
  const expected = 'a positive number, or Infinity';
  const n = requireNumber(policy, option, expected, value);
  if (!(n > 0)) fail('range', policy, option, expected, value);
  return n;
}

/** A peer's option name: which peer uses it and what to use here. */
interface PeerName {
  readonly peer: string;
  readonly use: string;
  /** The factories where the hint applies; every factory when absent. */
  readonly only?: readonly string[];
}

const BREAKER = ['circuitBreaker'];
const RETRY = ['retry', 'resilientFetch'];

/**
 * The peers' usual option names (cockatiel, opossum, p-retry, Polly) and ours,
 * so that a caller porting code is told what to write instead of getting a
 * silent no-op. One table for every factory.
 */
const PEER_NAMES: Readonly<Record<string, readonly PeerName[]>> = {
  halfOpenAfter: [{ peer: 'cockatiel', use: 'openFor', only: BREAKER }],
  breaker: [{ peer: 'cockatiel', use: "window (e.g. { kind: 'consecutive', failures: 5 })", only: BREAKER }],
  resetTimeout: [{ peer: 'opossum', use: 'openFor', only: BREAKER }],
  errorThresholdPercentage: [{ peer: 'opossum', use: 'failureRate, a fraction in (0, 1], not a percentage', only: BREAKER }],
  volumeThreshold: [{ peer: 'opossum', use: 'minimumCalls', only: BREAKER }],
  rollingCountTimeout: [{ peer: 'opossum', use: "window: { kind: 'time', ms }", only: BREAKER }],
  rollingCountBuckets: [{ peer: 'opossum', use: "window: { kind: 'time', ms, buckets }", only: BREAKER }],
  timeout: [{ peer: 'opossum', use: 'timeout(ms) inside the breaker: pipeline(breaker, timeout(ms))', only: BREAKER }],
  errorFilter: [{ peer: 'opossum', use: 'failOn (return false for errors that must not count)', only: BREAKER }],
  capacity: [{ peer: 'opossum', use: 'maxConcurrent', only: ['bulkhead', 'circuitBreaker'] }],
  abortController: [{ peer: 'opossum', use: 'execute(fn, { signal })' }],
  breakDuration: [{ peer: 'Polly', use: 'openFor', only: BREAKER }],
  failureRatio: [{ peer: 'Polly', use: 'failureRate', only: BREAKER }],
  minimumThroughput: [{ peer: 'Polly', use: 'minimumCalls', only: BREAKER }],
  samplingDuration: [{ peer: 'Polly', use: "window: { kind: 'time', ms }", only: BREAKER }],
  maxRetries: [{ peer: 'cockatiel and Polly', use: 'maxAttempts, which counts the first attempt too', only: RETRY }],
  retries: [{ peer: 'p-retry', use: 'maxAttempts, which counts the first attempt too (retries + 1)', only: RETRY }],
  maxRetryAttempts: [{ peer: 'Polly', use: 'maxAttempts, which counts the first attempt too (MaxRetryAttempts + 1)', only: RETRY }],
  minTimeout: [{ peer: 'p-retry', use: 'backoff: exponential({ initial })', only: RETRY }],
  maxTimeout: [{ peer: 'p-retry', use: 'backoff: exponential({ max })', only: RETRY }],
  factor: [{ peer: 'p-retry', use: 'backoff: exponential({ factor })', only: RETRY }],
  randomize: [{ peer: 'p-retry', use: "backoff: exponential({ jitter: 'full' })", only: RETRY }],
  shouldRetry: [{ peer: 'p-retry', use: 'retryOn', only: RETRY }],
  onFailedAttempt: [{ peer: 'p-retry', use: "policy.on('retry', listener)", only: RETRY }],
  shouldHandle: [
    { peer: 'Polly', use: 'retryOn', only: RETRY },
    { peer: 'Polly', use: 'failOn', only: BREAKER },
    { peer: 'Polly', use: 'on', only: ['fallback'] },
  ],
  delay: [{ peer: 'Polly', use: 'backoff: constant(ms) or exponential({ initial })', only: RETRY }],
  backoffType: [{ peer: 'Polly', use: 'backoff: constant(ms) or exponential()', only: RETRY }],
  useJitter: [{ peer: 'Polly', use: "backoff: exponential({ jitter: 'full' })", only: RETRY }],
  maxDelay: [{ peer: 'Polly', use: 'backoff: exponential({ max })', only: RETRY }],
  fallbackAction: [{ peer: 'Polly', use: 'the first argument of fallback()', only: ['fallback'] }],
  maxHedgedAttempts: [{ peer: 'Polly', use: 'maxHedged', only: ['hedge'] }],
  permitLimit: [
    { peer: 'Polly', use: 'limit', only: ['rateLimit'] },
    { peer: 'Polly', use: 'maxConcurrent', only: ['bulkhead'] },
  ],
  queueLimit: [{ peer: 'Polly', use: 'maxQueue', only: ['bulkhead'] }],
  maxParallelization: [{ peer: 'Polly', use: 'maxConcurrent', only: ['bulkhead'] }],
  window: [{ peer: 'Polly', use: 'perMs', only: ['rateLimit'] }],
  concurrency: [{ peer: 'p-limit', use: 'maxConcurrent', only: ['bulkhead'] }],
  timeoutStrategy: [{ peer: 'cockatiel', use: 'strategy', only: ['timeout'] }],
};

/** What to say after `unknown option <key>`: a peer's name, a near miss, or the known names. */
function unknownOptionHint(policy: string, key: string, known: KnownOptions): string {
  const peers = Object.prototype.hasOwnProperty.call(PEER_NAMES, key) ? PEER_NAMES[key] : undefined;
  const peer = peers?.find((p) => p.only === undefined || p.only.includes(policy));
  if (peer !== undefined) return ` (${peer.peer}'s name; use ${peer.use})`;
  const lower = key.toLowerCase();
  const names = Object.keys(known);
  const near = names.find((k) => k.toLowerCase() === lower);
  if (near !== undefined) return ` (did you mean ${near}?)`;
  return ` (known: ${names.join(', ')})`;
}

/**
 * Checks that `value` has no key outside `known`: a misspelt or foreign
 * option would otherwise be a silent no-op. `option` names the nested object
 * (`'window'`), empty for the top level.
 */
export function knownKeys(policy: string, value: object, known: KnownOptions, option = ''): void {
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key) || Object.prototype.hasOwnProperty.call(known, key)) continue;
    const name = option === '' ? key : `${option}.${key}`;
    throw new TypeError(`${policy}: unknown option ${name}${unknownOptionHint(policy, key, known)}`);
  }
}

/**
 * Every option name of an options type, as an object so that the compiler
 * checks the list is complete: `{ maxAttempts: true, backoff: true, … }`.
 */
export type OptionNames<T> = { readonly [K in keyof Required<T>]: true };

/** The option names {@link knownKeys} accepts. */
export type KnownOptions = Readonly<Record<string, true>>;

/** An options object, or undefined; every key must be one of `known`. */
export function optionsObject<T extends object>(policy: string, value: unknown, known: OptionNames<T>): Partial<T> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail('type', policy, 'options', 'an object', value);
  }
  knownKeys(policy, value, known as KnownOptions);
  return value as Partial<T>;
}

/** An object with `now`, `setTimeout` and `clearTimeout`. */
export function isClock<C>(policy: string, value: unknown): C {
  const ok =
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { now?: unknown }).now === 'function' &&
    typeof (value as { setTimeout?: unknown }).setTimeout === 'function' &&
    typeof (value as { clearTimeout?: unknown }).clearTimeout === 'function';
  if (!ok) fail('type', policy, 'clock', 'an object with now, setTimeout and clearTimeout', value);
  return value as C;
}
