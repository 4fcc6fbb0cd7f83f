import { describe, isBoolean, isFunction } from '../core/validate.js';
import { DEFAULT_BUCKETS, type ErrorType } from './instruments.js';
import { defaultErrorType, isPolicy, isStore } from './sink.js';

/** The options both adapters share, checked and completed. */
export interface CheckedOptions {
  readonly errorType: ErrorType;
  readonly key: boolean;
  readonly constants: Readonly<Record<string, string>>;
  readonly buckets: readonly number[];
}

/**
 * Checks `instrument(target, options)` for an adapter: the target, unknown keys, and the options
 * both share (`errorType`, `buckets`, the constants under `constantsOption`, the key flag under
 * `keyOption`). The adapter checks its own backend option (`meter`, `registry`).
 */
export function checkOptions(
  entry: string,
  target: unknown,
  options: unknown,
  keys: readonly string[],
  constantsOption: string,
  keyOption: string,
): CheckedOptions {
  if (!isPolicy(target) && !isStore(target)) {
    throw new TypeError(`${entry}: target must be a breakwater policy or SharedStore, got ${describe(target)}`);
  }
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${entry}: options must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!keys.includes(key))
      throw new TypeError(`${entry}: unknown option ${key} (the options are ${keys.join(', ')})`);
  }
  const given = options as Record<string, unknown>;
  return {
    errorType:
      given.errorType === undefined ? defaultErrorType : isFunction<ErrorType>(entry, 'errorType', given.errorType),
    key: given[keyOption] === undefined ? false : isBoolean(entry, keyOption, given[keyOption]),
    constants: given[constantsOption] === undefined ? {} : stringRecord(entry, constantsOption, given[constantsOption]),
    buckets: given.buckets === undefined ? DEFAULT_BUCKETS : buckets(entry, given.buckets),
  };
}

function stringRecord(entry: string, option: string, value: unknown): Readonly<Record<string, string>> {
  const ok =
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string');
  if (!ok) throw new TypeError(`${entry}: ${option} must be an object of string values, got ${describe(value)}`);
  return Object.freeze({ ...(value as Record<string, string>) });
}

function buckets(entry: string, value: unknown): readonly number[] {
  const ok =
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((b, i) => typeof b === 'number' && Number.isFinite(b) && (i === 0 || b > (value[i - 1] as number)));
  if (!ok)
    throw new TypeError(
      `${entry}: buckets must be a non-empty array of increasing finite numbers, got ${describe(value)}`,
    );
  return Object.freeze(value.slice() as number[]);
}

/** True when two bucket lists are the same. */
export function sameBuckets(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
