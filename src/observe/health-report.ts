/**
 * How a policy, or the whole report, is: `'ok'`, `'degraded'` (working, with
 * less room: a half-open breaker, a full bulkhead, an empty retry budget, a
 * degraded shared store) or `'down'` (refusing calls: an open or isolated breaker).
 */
export type HealthStatus = 'ok' | 'degraded' | 'down';

/** A breaker's counts for its current window, as `breaker.stats` gives them. */
export interface BreakerStatsHealth {
  readonly calls: number;
  readonly failures: number;
  readonly slowCalls: number;
  readonly failureRate: number;
  readonly slowCallRate: number;
}

/** The shared store a policy keeps its state in (its `store` option). */
export interface StoreHealth {
  /** The store's `name`, when it has one. */
  readonly name?: string;
  /** True while the store is unreachable and the policy decides locally. */
  readonly degraded: boolean;
}

/** How many pools a keyed policy holds in each status, and how many of them the report lists. */
export interface PoolsHealth {
  /** Pools listed in the report (at most `limit`, the unhealthy ones first). */
  readonly listed: number;
  /** Pools that are `'down'`, listed or not. */
  readonly down: number;
  /** Pools that are `'degraded'`, listed or not. */
  readonly degraded: number;
}

/**
 * One policy of a {@link HealthReport}: its `name`, `kind` and `status`, and
 * the facts its kind has. Fields a kind does not have are absent; a policy of
 * a kind this version does not know has `name`, `kind` and `status: 'ok'` only.
 * The JSON Schema `docs/health.schema.json` describes the same shape.
 */
export interface PolicyHealth {
  /** The policy's `name`. */
  readonly name: string;
  /** The policy's `kind` (`'circuitBreaker'`, `'bulkhead'`, …). */
  readonly kind: string;
  /** The policy's own status; for a pipeline or keyed policy, the worst of what it holds. */
  readonly status: HealthStatus;
  /** The key of the pool this policy serves, when a keyed policy holds it. */
  readonly key?: string;
  /** circuitBreaker: the state, as reading `state` gives it. */
  readonly state?: 'closed' | 'open' | 'halfOpen' | 'isolated';
  /** circuitBreaker: the counts of the current window. */
  readonly stats?: BreakerStatsHealth;
  /** bulkhead, adaptiveBulkhead: calls running now. */
  readonly active?: number;
  /** bulkhead, adaptiveBulkhead: calls waiting for a place now. */
  readonly queued?: number;
  /** bulkhead: how many calls may run at once (`null` for no limit). */
  readonly maxConcurrent?: number | null;
  /** bulkhead, adaptiveBulkhead: how many calls may wait (`null` for no limit). */
  readonly maxQueue?: number | null;
  /** adaptiveBulkhead: the concurrency limit now. */
  readonly limit?: number;
  /** rateLimit: whole tokens available now. */
  readonly available?: number;
  /** retry, hedge: the shared retry budget, when the policy has one. */
  readonly budget?: { readonly available: number };
  /** Any policy with a shared store (`store` option). */
  readonly store?: StoreHealth;
  /** store (a `SharedStore` given as the target): true while it is degraded. */
  readonly degraded?: boolean;
  /** keyed: pools alive; cache: entries held. */
  readonly size?: number;
  /** keyed: pools by status, and how many are listed. */
  readonly pools?: PoolsHealth;
}

/**
 * What {@link health} returns: the overall `status` (the worst of every
 * policy's, unlisted pools included) and every policy reachable from the
 * target, the target first, each pipeline's policies after it in order, each
 * listed pool's policies after their keyed policy. JSON-serialisable.
 */
export interface HealthReport {
  /** The worst status of any policy reachable from the target. */
  readonly status: HealthStatus;
  /** The policies, depth first from the target. */
  readonly policies: readonly PolicyHealth[];
}

/** Options of {@link health}. */
export interface HealthOptions {
  /**
   * The most pools of one keyed policy the report lists (down ones first,
   * then degraded, then ok; in the order they were made within each). Pools
   * left out still count in the keyed policy's `pools` counts and in every
   * status. An integer >= 0, or `Infinity`.
   * @defaultValue `100`
   */
  limit?: number;
}
