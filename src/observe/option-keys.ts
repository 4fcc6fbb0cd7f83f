import { type OptionNames, optionsObject } from '../core/validate.js';

/** An options object (or undefined) whose every key is one of `known`; else a `TypeError` naming the key. */
export function checkOptionKeys<T extends object>(fn: string, options: unknown, known: readonly string[]): Partial<T> {
  return optionsObject<T>(fn, options, Object.fromEntries(known.map((k) => [k, true])) as OptionNames<T>);
}
