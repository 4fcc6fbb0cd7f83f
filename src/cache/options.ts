import type { CommonOptions, Context, SharedStore } from 'breakwater';

/**
 * Options of {@link cache}.
 *
 * @example
 * ```ts
 * const options: CacheOptions = { ttl: 30_000, staleIfError: 600_000, maxEntries: 10_000 };
 * ```
 */
export interface CacheOptions extends CommonOptions {
  /**
   * How long an entry is fresh, in ms: a fresh entry answers without calling
   * the function. A positive finite number; required.
   * @example
   * ```ts
   * cache({ ttl: 30_000 });
   * ```
   */
  ttl: number;
  /**
   * How long past `ttl` an expired entry may still answer, in ms, and only
   * when the call fails: a finite number >= 0 (`0`: never serve stale).
   * @defaultValue `0`
   * @example
   * ```ts
   * cache({ ttl: 30_000, staleIfError: 10 * 60_000 }); // ride out a ten-minute outage
   * ```
   */
  staleIfError?: number;
  /**
   * The most entries held at once: an integer >= 1. Past it the least
   * recently used entry is dropped. lru-cache reserves its slots up front.
   * @defaultValue `1000`
   * @example
   * ```ts
   * cache({ ttl: 30_000, maxEntries: 10_000 });
   * ```
   */
  maxEntries?: number;
  /**
   * The entry a call reads and writes; a call whose key is `undefined` is
   * neither cached nor coalesced. Must return a string or `undefined`.
   * @defaultValue the call's `key` option (`ctx => ctx.key`)
   * @example
   * ```ts
   * cache({ ttl: 30_000, key: (ctx) => (ctx.key === undefined ? undefined : `user:${ctx.key}`) });
   * ```
   */
  key?: (ctx: Context) => string | undefined;
  /**
   * Concurrent calls of one key share one run of the function.
   * @defaultValue `true`
   * @example
   * ```ts
   * cache({ ttl: 30_000, coalesce: false });
   * ```
   */
  coalesce?: boolean;
  /**
   * A store shared by every instance (a `redisStore` from `breakwater/redis`,
   * or `memoryStore()`): a local miss reads through it, a fresh value is
   * written behind to it, and while it is degraded the cache is local only.
   * A policy with a store needs an explicit `name`: entries live under it.
   * @defaultValue none: entries live in this process only
   * @example
   * ```ts fragment
   * cache({ ttl: 30_000, name: 'users', store: redisStore({ client }) });
   * ```
   */
  store?: SharedStore;
  /**
   * Turns a value into the text kept in the `store`.
   * @defaultValue `JSON.stringify`
   * @example
   * ```ts
   * cache({ ttl: 30_000, serialize: (value) => JSON.stringify(value) });
   * ```
   */
  serialize?: (value: unknown) => string;
  /**
   * Turns the text read from the `store` back into a value.
   * @defaultValue `JSON.parse`
   * @example
   * ```ts
   * cache({ ttl: 30_000, deserialize: (text) => JSON.parse(text) as unknown });
   * ```
   */
  deserialize?: (text: string) => unknown;
}
