import { positiveFinite, nonEmptyString, describe as describeValue } from '../core/validate.js';
import { RedisStore } from './redis-store.js';
import { wireFor } from './wire.js';

const K = 'redisStore';
const KNOWN = new Set(['client', 'prefix', 'commandTimeout', 'retryAfter', 'name']);

/** The default key prefix. */
export const DEFAULT_PREFIX = 'bw:';
/** The default milliseconds a command may take before the store is degraded. */
export const DEFAULT_COMMAND_TIMEOUT = 50;
/** The default milliseconds a degraded store waits before one probe. */
export const DEFAULT_RETRY_AFTER = 1_000;
/** The default store name (in events and metrics). */
export const DEFAULT_STORE_NAME = 'redis';

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /**
   * A node-redis (`redis` >= 4) or ioredis (>= 5) client or cluster, with its
   * offline queue off (node-redis `disableOfflineQueue: true`, ioredis
   * `enableOfflineQueue: false`), connected by you. Required.
   * @example
   * ```ts
   * redisStore({ client: new Redis({ enableOfflineQueue: false }) });
   * ```
   */
  client: object;
  /**
   * Prepended to every key (no `{` or `}`: they would break the hash tag).
   * @defaultValue `'bw:'`
   */
  prefix?: string;
  /**
   * A command that has not answered after this many milliseconds degrades the store.
   * @defaultValue 50
   */
  commandTimeout?: number;
  /**
   * How long the store stays degraded before one call probes it, in milliseconds.
   * @defaultValue 1_000
   */
  retryAfter?: number;
  /**
   * Used in events and metrics.
   * @defaultValue `'redis'`
   */
  name?: string;
}

/**
 * A shared store on Redis for rate limits and breaker state across every
 * instance of a service: scripts by EVALSHA, one hash-tagged key per bucket
 * or breaker, Redis `TIME` inside scripts, a TTL on every key.
 *
 * @remarks
 * Gotchas: a command that errs or takes longer than `commandTimeout` degrades
 * the store for `retryAfter` ms (event `degraded`): policies then decide
 * locally and send nothing; the first call after that probes once (event
 * `restored` when it answers). The client must have its offline queue off,
 * else a dead server would queue every call. A policy with a store needs an
 * explicit `name`.
 *
 * @example
 * ```ts
 * import Redis from 'ioredis';
 * import { rateLimit } from 'breakwater';
 * import { redisStore } from 'breakwater/redis';
 *
 * const store = redisStore({ client: new Redis(process.env.REDIS_URL, { enableOfflineQueue: false }) });
 * const limit = rateLimit({ name: 'geocoder', limit: 500, perMs: 1_000, store });
 * ```
 */
export function redisStore(options: RedisStoreOptions): RedisStore {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${K}: options must be an object with a client, got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) if (!KNOWN.has(key)) throw new TypeError(`${K}: unknown option ${key}`);
  const wire = wireFor(K, options.client);
  const prefix = options.prefix === undefined ? DEFAULT_PREFIX : options.prefix;
  if (typeof prefix !== 'string' || /[{}]/.test(prefix)) {
    throw new TypeError(`${K}: prefix must be a string without { or }, got ${describeValue(prefix)}`);
  }
  return new RedisStore({
    wire,
    prefix,
    commandTimeout:
      options.commandTimeout === undefined
        ? DEFAULT_COMMAND_TIMEOUT
        : positiveFinite(K, 'commandTimeout', options.commandTimeout),
    retryAfter:
      options.retryAfter === undefined ? DEFAULT_RETRY_AFTER : positiveFinite(K, 'retryAfter', options.retryAfter),
    name: options.name === undefined ? DEFAULT_STORE_NAME : nonEmptyString(K, 'name', options.name),
  });
}

export { MalformedReplyError, RedisStore, type RedisStoreConfig } from './redis-store.js';
export { escapeKeyPart, KeyLayout, LAYOUT_VERSION } from './keys.js';
export type { ClientKind } from './wire.js';
