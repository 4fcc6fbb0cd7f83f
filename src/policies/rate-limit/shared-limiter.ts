import type { Clock } from '../../core/clock.js';
import type { BucketRule, Grant, SharedStore } from '../../core/store/protocol.js';
import { TokenBucket } from './token-bucket.js';

/** 0: admitted; else the milliseconds until a token. A promise when the store was asked. */
export type Admission = number | Promise<number>;

/** Tokens leased from the store for one key, spent locally. */
interface Lease {
  tokens: number;
  /** The round trip in flight, shared by every call that found no token meanwhile. */
  pending: Promise<Grant | undefined> | undefined;
  /** The store said the bucket was empty: until then calls are refused here, without a round trip. */
  emptyUntil: number;
}

/** A map that forgets its least recently used entry past `max`. */
class Lru<V> {
  private readonly map = new Map<string | undefined, V>();
  private readonly max: number;
  /** The most recent entry: a run of calls with one key skips the map (the hot path of a lease). */
  private newestKey: string | undefined = undefined;
  private newest: V | undefined = undefined;

  constructor(max: number) {
    this.max = max;
  }

  get(key: string | undefined): V | undefined {
    if (key === this.newestKey && this.newest !== undefined) return this.newest;
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
      this.newestKey = key;
      this.newest = v;
    }
    return v;
  }

  set(key: string | undefined, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    this.newestKey = key;
    this.newest = value;
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value);
  }

  get size(): number {
    return this.map.size;
  }
}

/**
 * The bucket of a rate limit with a store: in the store under the policy's
 * name and the call's key, or (while the store is degraded) in a local bucket
 * of the same rule, one per key, in an LRU of `maxKeys`.
 */
export class SharedLimiter {
  private readonly store: SharedStore;
  private readonly name: string;
  private readonly rule: BucketRule;
  /** 0 in strict mode: one round trip per call. */
  private readonly lease: number;
  private readonly clock: Clock;
  private readonly local: Lru<TokenBucket>;
  private readonly leases: Lru<Lease>;

  constructor(store: SharedStore, name: string, rule: BucketRule, lease: number, maxKeys: number, clock: Clock) {
    this.store = store;
    this.name = name;
    this.rule = rule;
    this.lease = lease;
    this.clock = clock;
    this.local = new Lru(maxKeys);
    this.leases = new Lru(maxKeys);
  }

  /** Local buckets held now (those of a degraded spell). */
  get localKeys(): number {
    return this.local.size;
  }

  take(key: string | undefined): Admission {
    if (this.lease === 0) {
      const reply = this.store.take(this.name, key, this.rule, 1);
      if (reply === undefined) return this.takeLocal(key);
      return reply.then((grant) =>
        grant === undefined ? this.takeLocal(key) : grant.granted === 1 ? 0 : grant.retryAfter,
      );
    }
    return this.takeLeased(key);
  }

  private takeLeased(key: string | undefined): Admission {
    let lease = this.leases.get(key);
    if (lease === undefined) {
      lease = { tokens: 0, pending: undefined, emptyUntil: -Infinity };
      this.leases.set(key, lease);
    }
    if (lease.tokens > 0) {
      lease.tokens--;
      return 0;
    }
    const held = lease;
    if (held.pending !== undefined) return held.pending.then((grant) => this.afterLease(key, held, grant));
    const now = this.clock.now();
    if (now < held.emptyUntil) return held.emptyUntil - now;
    const reply = this.store.take(this.name, key, this.rule, this.lease);
    if (reply === undefined) return this.takeLocal(key);
    held.pending = reply.then((grant) => {
      held.pending = undefined;
      if (grant !== undefined) {
        held.tokens += grant.granted;
        if (grant.granted === 0) held.emptyUntil = this.clock.now() + grant.retryAfter;
      }
      return grant;
    });
    return held.pending.then((grant) => this.afterLease(key, held, grant));
  }

  private afterLease(key: string | undefined, lease: Lease, grant: Grant | undefined): Admission {
    if (lease.tokens > 0) {
      lease.tokens--;
      return 0;
    }
    if (grant === undefined) return this.takeLocal(key);
    if (grant.granted === 0) return grant.retryAfter;
    return this.takeLeased(key); // earlier waiters spent this lease: take another
  }

  private takeLocal(key: string | undefined): number {
    const now = this.clock.now();
    let bucket = this.local.get(key);
    if (bucket === undefined) {
      bucket = new TokenBucket(this.rule.limit, this.rule.perMs, this.rule.burst, now);
      this.local.set(key, bucket);
    }
    return bucket.take(now);
  }
}
