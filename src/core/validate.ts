/**
 * One validator for every option of every policy, so that messages read the
 * same everywhere: `timeout: ms must be a positive finite number, got -5`.
 */
import type { PeerHint, PeerHints } from './peer-names.js';

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
export function integerAtLeast(
  policy: string,
  option: string,
  value: unknown,
  min: number,
  allowInfinity = false,
): number {
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

/** Every factory's hint: opossum's option, our per-call signal. */
const ABORT_CONTROLLER: PeerHint = ['opossum', 'execute(fn, { signal })'];

/** What to say after `unknown option <key>`: a peer's name, a near miss, or the known names. */
function unknownOptionHint(key: string, known: KnownOptions, peers: PeerHints | undefined): string {
  const peer =
    peers !== undefined && Object.prototype.hasOwnProperty.call(peers, key)
      ? peers[key]
      : key === 'abortController'
        ? ABORT_CONTROLLER
        : undefined;
  if (peer !== undefined) return ` (${peer[0]}'s name; use ${peer[1]})`;
  const lower = key.toLowerCase();
  const names = Object.keys(known);
  const near = names.find((k) => k.toLowerCase() === lower);
  if (near !== undefined) return ` (did you mean ${near}?)`;
  return ` (known: ${names.join(', ')})`;
}

/**
 * Checks that `value` has no key outside `known`: a misspelt or foreign
 * option would otherwise be a silent no-op. `option` names the nested object
 * (`'window'`), empty for the top level; `peers` are the factory's part of
 * the peer-name table (`peer-names.ts`).
 */
export function knownKeys(policy: string, value: object, known: KnownOptions, option = '', peers?: PeerHints): void {
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key) || Object.prototype.hasOwnProperty.call(known, key)) continue;
    const name = option === '' ? key : `${option}.${key}`;
    throw new TypeError(`${policy}: unknown option ${name}${unknownOptionHint(key, known, peers)}`);
  }
}

/**
 * Every option name of an options type, as an object so that the compiler
 * checks the list is complete: `{ maxAttempts: true, backoff: true, … }`.
 */
export type OptionNames<T> = { readonly [K in keyof Required<T>]: true };

/** The option names {@link knownKeys} accepts. */
export type KnownOptions = Readonly<Record<string, true>>;

/**
 * An options object, or undefined; every key must be one of `known`. `peers`
 * name the options of cockatiel, opossum, p-retry or Polly that the factory
 * points to its own name.
 */
export function optionsObject<T extends object>(
  policy: string,
  value: unknown,
  known: OptionNames<T>,
  peers?: PeerHints,
): Partial<T> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail('type', policy, 'options', 'an object', value);
  }
  knownKeys(policy, value, known as KnownOptions, '', peers);
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
