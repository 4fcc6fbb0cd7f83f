import { CallContext, CallInfo } from '../../core/context.js';
import { PolicyBase, type Policy, type PolicyFunction, RUN, runWithin } from '../../core/policy.js';
import { type OptionNames, integerAtLeast, isFunction, optionsObject, positiveFinite } from '../../core/validate.js';
import { DEFAULT_KEY, DEFAULT_MAX_KEYS, KEYED_KIND, PEEK_POOL } from './constants.js';
import type { EvictionReason, KeyedEvents } from './events.js';
import type { KeyedOptions } from './options.js';

/** One pool: its policy, its calls in flight, and when it was last used. */
class Entry<P extends Policy> {
  readonly key: string;
  readonly policy: P;
  inFlight = 0;
  lastUsed: number;
  removed = false;
  /** Counts a call of this pool out; made once per pool, not per call. */
  readonly settled: () => void;

  constructor(owner: KeyedPolicy<P>, key: string, policy: P, now: number) {
    this.key = key;
    this.policy = policy;
    this.lastUsed = now;
    this.settled = (): void => owner.callSettled(this);
  }
}

/**
 * A policy per key (dependency, host, tenant), made on first use, with
 * bounded memory. Made by {@link keyed}.
 */
export class KeyedPolicy<P extends Policy> extends PolicyBase<KeyedEvents<P>> {
  declare readonly kind: 'keyed';
  /** The most pools alive at once (more only while every one has a call in flight). */
  readonly maxKeys: number;
  /** A pool unused this long (ms) is evicted; `undefined` for never. */
  readonly idleMs: number | undefined;
  private readonly factory: (key: string) => P;
  /** Every live pool, in the order they were made. */
  private readonly entries = new Map<string, Entry<P>>();
  /**
   * The pools with no call in flight, least recently used first: the only
   * ones that may be evicted, so eviction never walks past a busy pool.
   */
  private readonly idle = new Map<string, Entry<P>>();
  /** No pool can be idle for `idleMs` before this time. */
  private nextIdleCheck = Infinity;

  constructor(factory: (key: string) => P, options: Partial<KeyedOptions>) {
    super(KEYED_KIND, options);
    this.factory = isFunction<(key: string) => P>(KEYED_KIND, 'factory', factory);
    this.maxKeys =
      options.maxKeys === undefined ? DEFAULT_MAX_KEYS : integerAtLeast(KEYED_KIND, 'maxKeys', options.maxKeys, 1);
    this.idleMs = options.idleMs === undefined ? undefined : positiveFinite(KEYED_KIND, 'idleMs', options.idleMs);
  }

  /** How many pools are alive. */
  get size(): number {
    this.evictIdle(undefined);
    return this.entries.size;
  }

  /** The pool of `key`, made now if there is none. Counts as a use. */
  get(key: string): P {
    return this.use(key, undefined, false).policy;
  }

  /** True when a pool for `key` is alive (does not count as a use). */
  has(key: string): boolean {
    this.evictIdle(undefined);
    return this.entries.has(key);
  }

  /**
   * Drops the pool of `key`, even with calls in flight (they finish on it).
   * Returns whether there was one.
   */
  delete(key: string): boolean {
    const entry = this.entries.get(key);
    if (entry === undefined) return false;
    this.remove(entry, 'deleted', undefined);
    return true;
  }

  /** The keys of the live pools, in the order the pools were made. */
  keys(): string[] {
    this.evictIdle(undefined);
    return [...this.entries.keys()];
  }

  /**
   * The pool of `key` if one is alive, without counting as a use and without
   * evicting anything (see {@link PEEK_POOL}).
   * @internal
   */
  [PEEK_POOL](key: string): P | undefined {
    return this.entries.get(key)?.policy;
  }

  /** @internal */
  [RUN]<T>(fn: PolicyFunction<T>, ctx: CallContext): Promise<Awaited<T>> {
    if (ctx.scope.aborted) return Promise.reject(ctx.scope.reason);
    let entry: Entry<P>;
    try {
      entry = this.use(ctx.key ?? DEFAULT_KEY, ctx, true);
    } catch (error) {
      return Promise.reject(error);
    }
    let running: Promise<Awaited<T>>;
    try {
      running = runWithin(entry.policy, fn, ctx);
    } catch (error) {
      // A policy from elsewhere threw instead of rejecting.
      this.callSettled(entry);
      return Promise.reject(error);
    }
    running.then(entry.settled, entry.settled);
    return running;
  }

  /** @internal */
  callSettled(entry: Entry<P>): void {
    if (--entry.inFlight !== 0 || entry.removed) return;
    const now = this.clock.now();
    entry.lastUsed = now;
    this.idle.set(entry.key, entry);
    this.scheduleIdleCheck(now);
    if (this.entries.size > this.maxKeys) this.evictOverflow(undefined, undefined);
  }

  /**
   * Finds or makes the pool of `key` and marks it most recently used; for a
   * call (`forCall`), counts the call in flight, which takes the pool out of
   * the evictable set until it settles.
   */
  private use(key: string, ctx: CallContext | undefined, forCall: boolean): Entry<P> {
    const now = this.clock.now();
    if (now >= this.nextIdleCheck) this.evictIdle(ctx);
    let entry = this.entries.get(key);
    if (entry !== undefined) {
      entry.lastUsed = now;
      if (entry.inFlight === 0) {
        this.idle.delete(key);
        if (!forCall) this.idle.set(key, entry);
      }
      if (forCall) entry.inFlight++;
      return entry;
    }
    const policy = this.factory(key);
    if (typeof policy !== 'object' || policy === null || typeof (policy as Partial<Policy>).execute !== 'function') {
      throw new TypeError(
        `${this.name}: factory must return a policy (an object with execute), got ${policy === null ? 'null' : typeof policy} for key ${JSON.stringify(key)}`,
      );
    }
    entry = new Entry(this, key, policy, now);
    this.entries.set(key, entry);
    if (forCall) entry.inFlight = 1;
    else {
      this.idle.set(key, entry);
      this.scheduleIdleCheck(now);
    }
    if (this.entries.size > this.maxKeys) this.evictOverflow(entry, ctx);
    if (this.listens('created')) this.emitEvent('created', eventContext(key, ctx), { pool: policy });
    return entry;
  }

  /**
   * Evicts the least recently used idle pools until at most `maxKeys` are
   * left, or none is idle. `keep` (the pool just made for the caller) stays.
   */
  private evictOverflow(keep: Entry<P> | undefined, ctx: CallContext | undefined): void {
    for (const entry of this.idle.values()) {
      if (this.entries.size <= this.maxKeys) return;
      if (entry !== keep) this.remove(entry, 'lru', ctx);
    }
  }

  /** Evicts pools unused for `idleMs`; runs only when one may be due, and keeps no timer. */
  private evictIdle(ctx: CallContext | undefined): void {
    const idleMs = this.idleMs;
    if (idleMs === undefined) return;
    const now = this.clock.now();
    if (now < this.nextIdleCheck) return;
    this.nextIdleCheck = Infinity;
    for (const entry of this.idle.values()) {
      const due = entry.lastUsed + idleMs;
      if (due > now) {
        // Idle pools are in order of last use, so none after this one is due either.
        this.nextIdleCheck = due;
        return;
      }
      this.remove(entry, 'idle', ctx);
    }
  }

  /** Makes sure an idle check runs once a pool last used at `now` could be idle. */
  private scheduleIdleCheck(now: number): void {
    if (this.idleMs !== undefined && this.nextIdleCheck === Infinity) this.nextIdleCheck = now + this.idleMs;
  }

  private remove(entry: Entry<P>, reason: EvictionReason, ctx: CallContext | undefined): void {
    this.entries.delete(entry.key);
    this.idle.delete(entry.key);
    entry.removed = true;
    if (this.listens('evicted')) this.emitEvent('evicted', eventContext(entry.key, ctx), { reason });
  }
}

/** A context that carries the pool's key and the causing call's correlation id, for an event. */
function eventContext(key: string, ctx: CallContext | undefined): CallContext {
  const call = new CallInfo({ key, correlationId: ctx?.correlationId });
  return new CallContext(call, call, 1, false, undefined);
}

/** Every option name of KeyedOptions; any other key is a TypeError. */
const KEYED_OPTIONS: OptionNames<KeyedOptions> = { maxKeys: true, idleMs: true, name: true, clock: true };

/**
 * Runs each call through a policy of its own key (`execute(fn, { key })`; no
 * key means `'default'`), made by `factory` on first use. At most `maxKeys`
 * pools live: past that the least recently used pool with no call in flight
 * is evicted, and with `idleMs` a pool unused that long is evicted too.
 *
 * @remarks
 * Gotchas: eviction drops the pool's state (a breaker's window, a bulkhead's
 * counts); a key used again gets a fresh pool. A pool with a call in flight is
 * never evicted, so while more than `maxKeys` keys are busy at once, more than
 * `maxKeys` pools live until their calls settle.
 *
 * @example
 * ```ts
 * const pools = keyed(() => bulkhead({ maxConcurrent: 10, maxQueue: 50 }));
 * await pools.execute(({ signal }) => fetch(paymentsUrl, { signal }), { key: 'payments' });
 * ```
 */
export function keyed<P extends Policy>(factory: (key: string) => P, options?: KeyedOptions): KeyedPolicy<P> {
  return new KeyedPolicy(factory, optionsObject<KeyedOptions>(KEYED_KIND, options, KEYED_OPTIONS));
}

export type { EvictionReason, KeyedEvents } from './events.js';
export type { KeyedOptions } from './options.js';
export { DEFAULT_KEY, DEFAULT_MAX_KEYS } from './constants.js';
