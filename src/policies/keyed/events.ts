import type { Policy } from '../../core/policy.js';

/** Why a keyed policy dropped a pool. */
export type EvictionReason = 'lru' | 'idle' | 'deleted';

/**
 * Events of a keyed policy. Each payload also has `policy` (the keyed
 * policy's name), `key` (here: the pool's key), `correlationId` (of the call
 * that caused it, if any) and `at`.
 */
export interface KeyedEvents<P extends Policy> {
  /** A pool was made for `key` on first use; attach metrics to `pool`. */
  created: { readonly pool: P };
  /** The pool of `key` was dropped; detach its metrics. */
  evicted: { readonly reason: EvictionReason };
}
