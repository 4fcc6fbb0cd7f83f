/**
 * What a cache needs of a store shared across instances. `breakwater/redis`'s
 * `redisStore` provides it; a store whose commands fail or time out is
 * degraded, and the cache then answers from its local entries alone.
 *
 * @remarks Values reach the store as the text `serialize` made; `ttlMs` is
 * the entry's whole life (`ttl + staleIfError`), so the store forgets it by itself.
 *
 * @example
 * ```ts
 * const texts = new Map<string, string>();
 * const store: CacheStore = {
 *   name: 'memory',
 *   cacheGet: async (key) => texts.get(key),
 *   cacheSet: async (key, text) => void texts.set(key, text),
 *   cacheDelete: async (key) => void texts.delete(key),
 * };
 * ```
 */
export interface CacheStore {
  /** The store's name, for events and metrics. */
  readonly name: string;
  /** The text stored under `key` (the policy's name and the call's key), or `undefined`. */
  cacheGet(key: string): PromiseLike<string | undefined>;
  /** Stores `text` under `key` for `ttlMs` milliseconds. */
  cacheSet(key: string, text: string, ttlMs: number): PromiseLike<void>;
  /** Forgets `key`. */
  cacheDelete(key: string): PromiseLike<void>;
}
