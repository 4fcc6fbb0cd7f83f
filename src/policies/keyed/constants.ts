/** The default `name` of a keyed policy. */
export const KEYED_KIND = 'keyed' as const;
/** The default most policies alive at once. */
export const DEFAULT_MAX_KEYS = 1000;
/** The key of a call that gives none. */
export const DEFAULT_KEY = 'default';

/**
 * The method by which observers (health reports, metrics) read a pool
 * without counting it as a use: `get(key)` would move the pool to the front
 * of the LRU order and postpone its idle eviction. A `Symbol.for` key, so a
 * second copy of the package reads pools of this one too.
 * @internal
 */
export const PEEK_POOL: unique symbol = Symbol.for('breakwater.keyed.peek') as never;
