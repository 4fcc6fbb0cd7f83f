import { optionsObject } from '../core/validate.js';

/** An options object (or undefined) whose every key is one of `known`; else a `TypeError` naming the key. */
export function checkOptionKeys<T extends object>(fn: string, options: unknown, known: readonly string[]): Partial<T> {
  const o = optionsObject<T>(fn, options);
  for (const key of Object.keys(o)) {
    if (!known.includes(key)) throw new TypeError(`${fn}: unknown option ${key}`);
  }
  return o;
}
