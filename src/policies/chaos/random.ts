import { isFunction } from '../../core/validate.js';

/** The `random` option, validated; `Math.random` when absent. */
export function randomOption(kind: string, value: unknown): () => number {
  return value === undefined ? Math.random : isFunction<() => number>(kind, 'random', value);
}
