import type { Context } from 'breakwater';

/** The kind and default `name` of a cache policy. */
export const CACHE_KIND = 'cache' as const;

/** The default `staleIfError`: no stale answers. */
export const DEFAULT_STALE_IF_ERROR = 0;

/** The default `maxEntries`. */
export const DEFAULT_MAX_ENTRIES = 1_000;

/** The default `coalesce`: concurrent calls of one key share one run. */
export const DEFAULT_COALESCE = true;

/**
 * The default `key`: the call's own `key` option.
 *
 * @example
 * ```ts
 * cache({ ttl: 1_000, key: (ctx) => DEFAULT_CACHE_KEY(ctx) ?? 'all' });
 * ```
 */
export const DEFAULT_CACHE_KEY: (ctx: Context) => string | undefined = /* @__PURE__ */ Object.freeze(
  (ctx: Context): string | undefined => ctx.key,
);

/**
 * The default `serialize` (used only with a `store`): `JSON.stringify`.
 *
 * @example
 * ```ts
 * cache({ ttl: 1_000, serialize: (value) => DEFAULT_SERIALIZE(value) });
 * ```
 */
export const DEFAULT_SERIALIZE: (value: unknown) => string = /* @__PURE__ */ Object.freeze((value: unknown): string =>
  JSON.stringify(value),
);

/**
 * The default `deserialize` (used only with a `store`): `JSON.parse`.
 *
 * @example
 * ```ts
 * cache({ ttl: 1_000, deserialize: (text) => DEFAULT_DESERIALIZE(text) });
 * ```
 */
export const DEFAULT_DESERIALIZE: (text: string) => unknown = /* @__PURE__ */ Object.freeze(
  (text: string): unknown => JSON.parse(text) as unknown,
);

/**
 * Every event a cache policy emits, for tools that subscribe to them all (metrics).
 *
 * @example
 * ```ts
 * for (const event of CACHE_EVENTS) policy.on(event, () => counts.set(event, (counts.get(event) ?? 0) + 1));
 * ```
 */
export const CACHE_EVENTS: readonly ('hit' | 'miss' | 'stale' | 'coalesced')[] = /* @__PURE__ */ Object.freeze([
  'hit',
  'miss',
  'stale',
  'coalesced',
] as const);

/** The options `cache()` knows; any other key is a `TypeError`. */
export const CACHE_OPTION_KEYS: readonly string[] = /* @__PURE__ */ Object.freeze([
  'ttl',
  'staleIfError',
  'maxEntries',
  'key',
  'coalesce',
  'store',
  'serialize',
  'deserialize',
  'name',
  'clock',
]);

/** Peers' names for our options, so that the error says what to use instead. */
export const PEER_OPTION_NAMES: Readonly<Record<string, string>> = /* @__PURE__ */ Object.freeze({
  cacheTTL: "opossum's name; use ttl",
  cacheSize: "opossum's name; use maxEntries",
  cacheGetKey: "opossum's name; use key",
  cacheTransport: "opossum's name; use store",
  coalesceTTL: "opossum's name; a shared run lasts as long as the call, no TTL",
  max: "lru-cache's name; use maxEntries",
  ttlMs: 'use ttl (milliseconds)',
  staleWhileError: 'use staleIfError',
});
