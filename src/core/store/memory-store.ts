import { type Clock, systemClock } from '../clock.js';
import { isClock, optionsObject } from '../validate.js';
import { gcraTake } from './gcra.js';
import type { BreakerCounts, BreakerReport, BreakerView, BucketRule, Grant, StoreReply } from './protocol.js';
import { StoreBase } from './store-base.js';

const K = 'memoryStore';
/** Merged breaker windows are kept in this many buckets (the Redis store's layout too). */
export const BREAKER_BUCKETS = 10;

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /**
   * The source of time for buckets, TTLs and breaker state.
   * @defaultValue `systemClock`
   */
  clock?: Clock;
}

interface Expiring<T> {
  value: T;
  until: number;
}

interface SharedBreaker {
  opens: Map<string, number>;
  openUntil: number;
  closedAt: number;
  /** Counts per time bucket (`floor(now / bucketMs)`). */
  buckets: Map<number, { calls: number; failures: number; slowCalls: number }>;
  probes: Map<string, number>;
  touched: number;
  ttl: number;
}

/**
 * A {@link SharedStore} in this process's memory, on the injected clock: the
 * store of tests and of a single instance. It never fails on its own;
 * `degrade()` and `restore()` play an outage.
 */
export class MemoryStore extends StoreBase {
  private readonly buckets = new Map<string, Expiring<number>>();
  private readonly values = new Map<string, Expiring<string>>();
  private readonly breakers = new Map<string, SharedBreaker>();
  private sweepAt = 64;

  constructor(clock: Clock) {
    super({ name: 'memory', clock, commandTimeout: Infinity, retryAfter: Infinity });
  }

  /** How many buckets, values and breakers are held now (expired ones are dropped lazily). */
  get size(): number {
    this.sweep(true);
    return this.buckets.size + this.values.size + this.breakers.size;
  }

  take(bucket: string, key: string | undefined, rule: BucketRule, want: number): StoreReply<Grant> {
    return this.send(() => {
      const now = this.clock.now();
      const id = `${key === undefined ? '-' : `+${key.length}:${key}`}${bucket}`;
      const held = this.buckets.get(id);
      const tat = held === undefined || held.until <= now ? 0 : held.value;
      const step = gcraTake(tat, now, rule, want);
      if (step.ttl > 0) this.buckets.set(id, { value: step.tat, until: now + step.ttl });
      else this.buckets.delete(id);
      this.sweep(false);
      return Promise.resolve({ granted: step.granted, retryAfter: step.retryAfter });
    });
  }

  get(key: string): StoreReply<string | null> {
    return this.send(() => {
      const held = this.values.get(key);
      if (held === undefined) return Promise.resolve(null);
      if (held.until <= this.clock.now()) {
        this.values.delete(key);
        return Promise.resolve(null);
      }
      return Promise.resolve(held.value);
    });
  }

  set(key: string, value: string, ttlMs: number): StoreReply<boolean> {
    return this.send(() => {
      this.values.set(key, { value, until: this.clock.now() + ttlMs });
      this.sweep(false);
      return Promise.resolve(true);
    });
  }

  delete(key: string): StoreReply<boolean> {
    return this.send(() => {
      const held = this.values.get(key);
      this.values.delete(key);
      return Promise.resolve(held !== undefined && held.until > this.clock.now());
    });
  }

  breaker(name: string, report: BreakerReport): StoreReply<BreakerView> {
    return this.send(() => Promise.resolve(this.report(name, report)));
  }

  probe(name: string, holder: string, ms: number, max: number, quietMs: number): StoreReply<boolean> {
    return this.send(() => {
      const now = this.clock.now();
      const b = this.sharedBreaker(name, now, ms);
      if (b.openUntil > now || now - b.closedAt < quietMs) return Promise.resolve(false);
      for (const [h, until] of b.probes) if (until <= now) b.probes.delete(h);
      if (!b.probes.has(holder) && b.probes.size >= max) return Promise.resolve(false);
      b.probes.set(holder, now + ms);
      return Promise.resolve(true);
    });
  }

  unprobe(name: string, holder: string): StoreReply<boolean> {
    return this.send(() => Promise.resolve(this.breakers.get(name)?.probes.delete(holder) ?? false));
  }

  private sharedBreaker(name: string, now: number, ttl: number): SharedBreaker {
    let b = this.breakers.get(name);
    if (b === undefined || b.touched + b.ttl <= now) {
      b = {
        opens: new Map(),
        openUntil: 0,
        closedAt: -Infinity,
        buckets: new Map(),
        probes: new Map(),
        touched: now,
        ttl,
      };
      this.breakers.set(name, b);
    }
    b.touched = now;
    if (ttl > b.ttl) b.ttl = ttl;
    return b;
  }

  private report(name: string, r: BreakerReport): BreakerView {
    const now = this.clock.now();
    const b = this.sharedBreaker(name, now, Math.max(r.windowMs, r.openWithinMs, r.opened ?? 0) * 2);
    if (r.closed === true) {
      b.closedAt = now;
      b.opens.clear();
      b.openUntil = 0;
      b.buckets.clear();
    }
    if (r.opened !== undefined) {
      b.opens.set(r.instance, now);
      if (now + r.opened > b.openUntil) b.openUntil = now + r.opened;
    }
    const bucketMs = r.windowMs / BREAKER_BUCKETS;
    const current = Math.floor(now / bucketMs);
    if (r.counts !== undefined) {
      const c = b.buckets.get(current) ?? { calls: 0, failures: 0, slowCalls: 0 };
      c.calls += r.counts.calls;
      c.failures += r.counts.failures;
      c.slowCalls += r.counts.slowCalls;
      b.buckets.set(current, c);
    }
    const counts: { -readonly [K in keyof BreakerCounts]: number } = { calls: 0, failures: 0, slowCalls: 0 };
    for (const [slot, c] of b.buckets) {
      if (slot <= current - BREAKER_BUCKETS) {
        b.buckets.delete(slot);
        continue;
      }
      counts.calls += c.calls;
      counts.failures += c.failures;
      counts.slowCalls += c.slowCalls;
    }
    let opens = 0;
    for (const [instance, at] of b.opens) {
      if (now - at < r.openWithinMs) opens++;
      else b.opens.delete(instance);
    }
    return { opens, openLeft: b.openUntil > now ? b.openUntil - now : 0, closedAgo: now - b.closedAt, counts };
  }

  /** Drops expired entries once the maps have doubled since the last sweep, so memory stays bounded. */
  private sweep(force: boolean): void {
    const size = this.buckets.size + this.values.size + this.breakers.size;
    if (!force && size < this.sweepAt) return;
    const now = this.clock.now();
    for (const [k, e] of this.buckets) if (e.until <= now) this.buckets.delete(k);
    for (const [k, e] of this.values) if (e.until <= now) this.values.delete(k);
    for (const [k, b] of this.breakers) if (b.touched + b.ttl <= now) this.breakers.delete(k);
    this.sweepAt = Math.max(64, 2 * (this.buckets.size + this.values.size + this.breakers.size));
  }
}

/**
 * A shared store in this process's memory, on the injected clock: for tests
 * (with a `VirtualClock`) and for a single instance. Policies use it exactly
 * as they use `redisStore()` from `breakwater/redis`.
 *
 * @remarks
 * Gotchas: it is shared only by the policies of this process. It never fails
 * on its own; `store.degrade()` and `store.restore()` play an outage.
 *
 * @example
 * ```ts
 * const clock = new VirtualClock();
 * const store = memoryStore({ clock });
 * const limit = rateLimit({ name: 'api', limit: 10, perMs: 1_000, store, clock });
 * ```
 */
export function memoryStore(options?: MemoryStoreOptions): MemoryStore {
  const o = optionsObject<MemoryStoreOptions>(K, options, { clock: true });
  return new MemoryStore(o.clock === undefined ? systemClock : isClock<Clock>(K, o.clock));
}
