import type { CommonOptions } from '../../core/policy.js';
import type { SharedStore } from '../../core/store/protocol.js';

/** How a rate limit with a store spends the shared bucket. */
export type RateLimitMode = 'strict' | 'lease';

/** Options of {@link rateLimit}. */
export interface RateLimitOptions extends CommonOptions {
  /**
   * Calls admitted per `perMs` in the long run (the refill rate): an integer >= 1. Required.
   * @example
   * ```ts
   * rateLimit({ limit: 100, perMs: 1_000 }); // 100 calls per second
   * ```
   */
  limit: number;
  /** The period of `limit`, in milliseconds: a positive finite number. Required. */
  perMs: number;
  /**
   * Calls admitted at once after a quiet spell (the bucket's size): an integer >= 1.
   * @defaultValue `limit`
   */
  burst?: number;
  /**
   * A shared store (`memoryStore()`, or `redisStore()` from `breakwater/redis`):
   * the bucket lives there under the policy's `name` and the call's `key`, so
   * one policy limits each key across every instance. Needs an explicit `name`.
   * @defaultValue none: one bucket in this process
   * @example
   * ```ts
   * rateLimit({ name: 'payments-api', limit: 500, perMs: 1_000, store: redisStore({ client }) });
   * ```
   */
  store?: SharedStore;
  /**
   * With a store: `'strict'` asks the store on every call (one round trip, exact
   * across instances); `'lease'` takes `lease` tokens per round trip and spends
   * them locally (overshoot at most instances × `lease`).
   * @defaultValue `'strict'`
   */
  mode?: RateLimitMode;
  /**
   * With `mode: 'lease'`, the tokens one round trip takes: an integer >= 1.
   * @defaultValue `max(1, ceil(burst / 10))`
   */
  lease?: number;
  /**
   * While the store is degraded each key gets a local bucket of the same
   * limit; at most this many are kept (least recently used dropped): an integer >= 1.
   * @defaultValue 1_000
   */
  maxKeys?: number;
}
