import {
  type CallContext,
  type Context,
  type ExecuteOptions,
  isSharedStore,
  PolicyBase,
  type PolicyFunction,
  RUN,
  type SharedStore,
} from 'breakwater';
import { LRUCache } from 'lru-cache';
import {
  type OptionNames,
  describe,
  integerAtLeast,
  isBoolean,
  isFunction,
  nonNegativeFinite,
  optionsObject,
  positiveFinite,
} from '../core/validate.js';
import {
  CACHE_KIND,
  CACHE_OPTION_KEYS,
  DEFAULT_CACHE_KEY,
  DEFAULT_COALESCE,
  DEFAULT_DESERIALIZE,
  DEFAULT_MAX_ENTRIES,
  DEFAULT_SERIALIZE,
  DEFAULT_STALE_IF_ERROR,
  PEER_OPTION_NAMES,
} from './constants.js';
import type { CacheEvents } from './events.js';
import { Flight, type FlightOwner, invoke } from './flight.js';
import type { CacheOptions } from './options.js';

/** A stored value and when it was stored (clock time). */
class Entry {
  readonly value: unknown;
  readonly storedAt: number;

  constructor(value: unknown, storedAt: number) {
    this.value = value;
    this.storedAt = storedAt;
  }
}

/**
 * A result cache in front of a dependency, with stale-if-error and
 * coalescing. Made by {@link cache}.
 *
 * @example
 * ```ts
 * const prices: CachePolicy = cache({ ttl: 60_000 });
 * prices.on('hit', (e) => console.log('cached', e.key));
 * prices.delete('eur'); // the price changed
 * ```
 */
export class CachePolicy extends PolicyBase<CacheEvents> implements FlightOwner {
  declare readonly kind: 'cache';
  /** How long an entry is fresh, in ms. */
  readonly ttl: number;
  /** How long past `ttl` an expired entry may answer a failed call, in ms. */
  readonly staleIfError: number;
  /** The most entries held at once. */
  readonly maxEntries: number;
  /** Whether concurrent calls of one key share one run. */
  readonly coalesce: boolean;
  /** The shared store, when one was given: read through on a local miss, written behind on a fresh value. */
  readonly store: SharedStore | undefined;
  /** Turns a value into the store's text. */
  readonly serialize: (value: unknown) => string;
  /** Turns the store's text back into a value. */
  readonly deserialize: (text: string) => unknown;
  /** `ttl + staleIfError`: past this age an entry is of no use. */
  private readonly lifetime: number;
  /** What every key of this policy starts with in the store: the name, length-prefixed so it is data, never layout. */
  private readonly storePrefix: string;
  private readonly keyOf: (ctx: Context) => string | undefined;
  private readonly entries: LRUCache<string, Entry>;
  /** The runs in flight, by key (only with `coalesce`). */
  private readonly flights = new Map<string, Flight>();
  /**
   * While true, lru-cache reads `pinnedAt` instead of the clock: the policy
   * and lru-cache judge an entry at one instant, and a lookup costs one clock
   * read, not two (`performance.now()` is the dearest part of a hit).
   */
  private pinned = false;
  private pinnedAt = 0;
  /** A lookup `execute` made and did not answer, handed to the `[RUN]` it starts at once. */
  private handoffKey: string | undefined = undefined;
  private handoffEntry: Entry | undefined = undefined;
  private handoffAt = 0;
  /** Counts `delete` and `clear` calls: a store read that started before one stores nothing. */
  private invalidations = 0;

  constructor(options: Partial<CacheOptions>) {
    super(CACHE_KIND, options);
    this.ttl = positiveFinite(CACHE_KIND, 'ttl', options.ttl);
    this.staleIfError =
      options.staleIfError === undefined
        ? DEFAULT_STALE_IF_ERROR
        : nonNegativeFinite(CACHE_KIND, 'staleIfError', options.staleIfError);
    this.maxEntries =
      options.maxEntries === undefined
        ? DEFAULT_MAX_ENTRIES
        : integerAtLeast(CACHE_KIND, 'maxEntries', options.maxEntries, 1);
    if (this.maxEntries > MAX_ENTRIES_LIMIT) {
      throw new RangeError(`${CACHE_KIND}: maxEntries must be at most ${MAX_ENTRIES_LIMIT}, got ${this.maxEntries}`);
    }
    this.coalesce =
      options.coalesce === undefined ? DEFAULT_COALESCE : isBoolean(CACHE_KIND, 'coalesce', options.coalesce);
    this.keyOf = options.key === undefined ? DEFAULT_CACHE_KEY : isFunction(CACHE_KIND, 'key', options.key);
    this.store = options.store === undefined ? undefined : checkStore(options.store, options.name);
    this.serialize =
      options.serialize === undefined ? DEFAULT_SERIALIZE : isFunction(CACHE_KIND, 'serialize', options.serialize);
    this.deserialize =
      options.deserialize === undefined
        ? DEFAULT_DESERIALIZE
        : isFunction(CACHE_KIND, 'deserialize', options.deserialize);
    this.lifetime = this.ttl + this.staleIfError;
    this.storePrefix = `cache:${this.name.length}:${this.name}:`;
    const clock = this.clock;
    this.entries = new LRUCache<string, Entry>({
      max: this.maxEntries,
      // lru-cache forgets an entry once it is of no use at all; which entries are
      // fresh is decided here, from `storedAt`, because lru-cache takes a start
      // time of 0 (a VirtualClock's first reading) for "no TTL".
      ttl: Math.ceil(this.lifetime),
      // No timer of its own: time is the policy's clock, read on each access.
      ttlResolution: 0,
      ttlAutopurge: false,
      perf: { now: (): number => (this.pinned ? this.pinnedAt : clock.now()) },
    });
  }

  /** How many entries are held (an expired one until it is read again or evicted). */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Drops the entry of `key`; a run in flight for it still answers its callers,
   * but its value is not stored. Returns whether an entry was held.
   */
  delete(key: string): boolean {
    const flight = this.flights.get(key);
    if (flight !== undefined) {
      flight.detached = true;
      this.flights.delete(key);
    }
    this.invalidations++;
    // The shared entry goes too, or the next local miss would read it back.
    if (this.store !== undefined) void this.store.delete(this.storePrefix + key);
    return this.entries.delete(key);
  }

  /**
   * Drops every local entry; runs in flight still answer their callers, but
   * their values are not stored. Entries in a shared `store` stay (they expire
   * after `ttl`): `delete(key)` drops one there too.
   */
  clear(): void {
    for (const flight of this.flights.values()) flight.detached = true;
    this.flights.clear();
    this.invalidations++;
    this.entries.clear();
  }

  /**
   * Runs `fn` through the cache: a fresh entry of the call's key answers, else
   * `fn` runs (shared with the calls of that key in flight).
   */
  override execute<T>(fn: (ctx: Context) => T | PromiseLike<T>, options?: ExecuteOptions): Promise<Awaited<T>> {
    // A hit called directly needs no context at all: answer before building one.
    // Only while nobody listens to `hit`, whose payload needs the call's fields.
    if (options !== undefined && options.idempotent === true && this.keyOf === DEFAULT_CACHE_KEY) {
      const key = options.key;
      if (typeof key === 'string' && typeof fn === 'function') {
        const now = this.clock.now();
        const entry = this.lookup(key, now);
        if (entry !== undefined && now - entry.storedAt < this.ttl && !this.listens('hit')) {
          const signal = options.signal;
          if (signal instanceof AbortSignal && signal.aborted) return Promise.reject(signal.reason);
          if (signal === undefined || signal instanceof AbortSignal) return Promise.resolve(entry.value as Awaited<T>);
        }
        // `[RUN]` runs synchronously inside `execute`: it takes this lookup instead of making another.
        this.handoffKey = key;
        this.handoffEntry = entry;
        this.handoffAt = now;
        try {
          return super.execute(fn, options);
        } finally {
          this.handoffKey = undefined;
          this.handoffEntry = undefined;
        }
      }
    }
    return super.execute(fn, options);
  }

  /** The entry of `key` as lru-cache holds it at `now` (one clock reading for both). */
  private lookup(key: string, now: number): Entry | undefined {
    this.pinned = true;
    this.pinnedAt = now;
    const entry = this.entries.get(key);
    this.pinned = false;
    return entry;
  }

  /** Stores `value` under `key`, stored now. */
  private remember(key: string, value: unknown): void {
    const now = this.clock.now();
    this.pinned = true;
    this.pinnedAt = now;
    this.entries.set(key, new Entry(value, now));
    this.pinned = false;
  }

  /**
   * Writes a fresh value behind to the store, for `ttl` (the store's own clock
   * forgets it). Never felt by the call: a value `serialize` cannot turn into a
   * text, a throwing `serialize` and a degraded store all just skip the write.
   */
  private writeBehind(key: string, value: unknown): void {
    const store = this.store;
    if (store === undefined || store.degraded) return;
    let text: unknown;
    try {
      text = this.serialize(value);
    } catch {
      return;
    }
    if (typeof text === 'string') void store.set(this.storePrefix + key, text, this.ttl);
  }

  /**
   * Reads `key` through the store: `undefined` at once when there is no store
   * or it is degraded (the call goes on locally with no added wait), else a
   * promise of the entry it held (stored locally as fresh from now), or of
   * `undefined` when it held none, or one `deserialize` refused.
   */
  private readThrough(key: string): Promise<Entry | undefined> | undefined {
    const store = this.store;
    if (store === undefined) return undefined;
    const reply = store.get(this.storePrefix + key);
    if (reply === undefined) return undefined;
    const invalidations = this.invalidations;
    return reply.then((text) => {
      // Dropped while the read was on its way: an invalidation is never undone by an older read.
      if (typeof text !== 'string' || invalidations !== this.invalidations) return undefined;
      let value: unknown;
      try {
        value = this.deserialize(text);
      } catch {
        return undefined;
      }
      // A local entry stored meanwhile (another caller's run) is as good and no older.
      const now = this.clock.now();
      const held = this.lookup(key, now);
      if (held !== undefined && now - held.storedAt < this.ttl) return held;
      const entry = new Entry(value, now);
      this.pinned = true;
      this.pinnedAt = now;
      this.entries.set(key, entry);
      this.pinned = false;
      return entry;
    });
  }

  /** @internal */
  [RUN]<T>(fn: PolicyFunction<T>, ctx: CallContext): Promise<Awaited<T>> {
    if (ctx.scope.aborted) return Promise.reject(ctx.scope.reason);
    // Caching or sharing a call that may not run twice would drop a write.
    if (!ctx.idempotent) return invoke(fn, ctx);
    let key: string | undefined;
    if (this.keyOf === DEFAULT_CACHE_KEY) key = ctx.key;
    else {
      try {
        key = this.keyOf(ctx);
      } catch (error) {
        return Promise.reject(error);
      }
      if (key !== undefined && typeof key !== 'string') {
        return Promise.reject(
          new TypeError(`${this.name}: key must return a string or undefined, got ${describe(key)}`),
        );
      }
    }
    if (key === undefined) return invoke(fn, ctx);
    let entry: Entry | undefined;
    let now: number;
    if (this.handoffKey === key) {
      entry = this.handoffEntry;
      now = this.handoffAt;
      this.handoffKey = undefined;
      this.handoffEntry = undefined;
    } else {
      now = this.clock.now();
      entry = this.lookup(key, now);
    }
    if (entry !== undefined && now - entry.storedAt < this.ttl) {
      this.emitEvent('hit', ctx, {});
      return Promise.resolve(entry.value as Awaited<T>);
    }
    // A run in flight for the key is joined before asking the store: its value is on its way.
    if (this.store !== undefined && !(this.coalesce && this.flights.has(key))) {
      const shared = this.readThrough(key);
      if (shared !== undefined) {
        return shared.then((found) => {
          if (ctx.scope.aborted) throw ctx.scope.reason;
          if (found !== undefined) {
            this.emitEvent('hit', ctx, {});
            return found.value as Awaited<T>;
          }
          return this.run(fn, ctx, key);
        });
      }
    }
    return this.run(fn, ctx, key);
  }

  /** A miss (or a join of the run in flight): the function runs, its value is stored. */
  private run<T>(fn: PolicyFunction<T>, ctx: CallContext, key: string): Promise<Awaited<T>> {
    if (!this.coalesce) {
      this.emitEvent('miss', ctx, {});
      return this.runAlone(fn, ctx, key);
    }
    const running = this.flights.get(key);
    if (running !== undefined) {
      this.emitEvent('coalesced', ctx, {});
      return running.join(ctx);
    }
    this.emitEvent('miss', ctx, {});
    const flight = new Flight(this, key);
    this.flights.set(key, flight);
    if (ctx.scope.canAbort) {
      const joined = flight.join<T>(ctx);
      invoke(fn, ctx.withScope(flight, ctx.deadline)).then(
        (value) => this.flightSettled(flight, true, value),
        (error: unknown) => this.flightSettled(flight, false, error),
      );
      return joined;
    }
    // A first caller that can never abort waits on the run's own promise; while it
    // waits the run cannot abort either, so the run keeps that caller's context.
    flight.holdSteadfast(ctx);
    return invoke(fn, ctx).then(
      (value) => {
        this.flightSettled(flight, true, value);
        return value;
      },
      (error: unknown) => {
        const stale = this.flightSettled(flight, false, error);
        if (stale === undefined) throw error;
        return stale.value as Awaited<T>;
      },
    );
  }

  /** A call of its own (no coalescing): its value is stored, its failure may get the stale entry. */
  private runAlone<T>(fn: PolicyFunction<T>, ctx: CallContext, key: string): Promise<Awaited<T>> {
    return invoke(fn, ctx).then(
      (value) => {
        this.remember(key, value);
        this.writeBehind(key, value);
        return value;
      },
      (error: unknown) => {
        // The caller's own abort is theirs to see, never covered by a stale answer.
        if (ctx.scope.aborted && error === ctx.scope.reason) throw error;
        const stale = this.staleEntry(key);
        if (stale === undefined) throw error;
        return stale.value as Awaited<T>;
      },
    );
  }

  /**
   * The shared run settled: stores a value, answers every caller with a
   * promise of its own, and returns the stale entry used for a failure.
   */
  private flightSettled(flight: Flight, ok: boolean, result: unknown): Entry | undefined {
    if (this.flights.get(flight.key) === flight) this.flights.delete(flight.key);
    if (flight.active === 0) return undefined; // every caller left: nothing to answer, nothing stored
    const sharers = flight.sharers;
    if (ok) {
      if (!flight.detached) {
        this.remember(flight.key, result);
        this.writeBehind(flight.key, result);
      }
      if (sharers !== undefined) for (const sharer of sharers) sharer.settle(true, result);
      return undefined;
    }
    const stale = this.staleEntry(flight.key);
    if (stale !== undefined && flight.leader !== undefined) this.emitEvent('stale', flight.leader, { error: result });
    if (sharers === undefined) return stale;
    for (const sharer of sharers) {
      if (sharer.done) continue;
      if (stale === undefined) sharer.settle(false, result);
      else {
        this.emitEvent('stale', sharer.ctx, { error: result });
        sharer.settle(true, stale.value);
      }
    }
    return stale;
  }

  /** @internal */
  flightAbandoned(flight: Flight): void {
    if (this.flights.get(flight.key) === flight) this.flights.delete(flight.key);
  }

  /** The entry of `key` if it is still young enough to answer a failed call. */
  private staleEntry(key: string): Entry | undefined {
    if (this.staleIfError === 0) return undefined;
    const now = this.clock.now();
    const entry = this.lookup(key, now);
    if (entry === undefined || now - entry.storedAt >= this.lifetime) return undefined;
    return entry;
  }
}

/**
 * lru-cache reserves every slot up front (about 40 bytes each); past this
 * many the reservation alone would take gigabytes.
 */
const MAX_ENTRIES_LIMIT = 2 ** 24;

function checkStore(store: unknown, name: unknown): SharedStore {
  if (!isSharedStore(store) || typeof (store as Partial<SharedStore>).delete !== 'function') {
    throw new TypeError(
      `${CACHE_KIND}: store must be a shared store (memoryStore() or redisStore()), got ${describe(store)}`,
    );
  }
  // Two services with the default name would read each other's entries.
  if (name === undefined)
    throw new TypeError(`${CACHE_KIND}: a cache with a store needs an explicit name, got undefined`);
  return store;
}

/**
 * A result cache in front of a dependency. A fresh entry (younger than `ttl`)
 * answers without calling the function; an expired entry younger than
 * `ttl + staleIfError` answers only when the call fails. Concurrent calls of
 * one key share one run (`coalesce`).
 *
 * @remarks
 * Gotchas: only idempotent calls with a key are cached or coalesced (pass
 * `{ idempotent: true, key }`, or put the cache inside a `retry({ idempotent:
 * true })`); anything else runs as it is. Errors are never cached. One
 * caller's abort rejects that caller alone; the shared run's signal aborts
 * only when every caller sharing it has aborted.
 *
 * @example
 * ```ts
 * const users = cache({ ttl: 30_000, staleIfError: 5 * 60_000 });
 * const user = await users.execute(({ signal }) => fetch(`/users/${id}`, { signal }).then((r) => r.json()), {
 *   key: `user:${id}`,
 *   idempotent: true,
 * });
 * ```
 */
export function cache(options: CacheOptions): CachePolicy {
  // The cache's own hints first (opossum's and lru-cache's names), then the shared check.
  if (typeof options === 'object' && options !== null) {
    for (const name of Object.keys(options)) {
      if (!CACHE_OPTION_KEYS.includes(name)) {
        const peer = PEER_OPTION_NAMES[name];
        if (peer !== undefined) throw new TypeError(`${CACHE_KIND}: unknown option ${name} (${peer})`);
      }
    }
  }
  return new CachePolicy(optionsObject<CacheOptions>(CACHE_KIND, options, CACHE_OPTION_NAMES));
}

/** Every option name of CacheOptions, for the shared unknown-key check. */
const CACHE_OPTION_NAMES: OptionNames<CacheOptions> = {
  ttl: true,
  staleIfError: true,
  maxEntries: true,
  key: true,
  coalesce: true,
  store: true,
  serialize: true,
  deserialize: true,
  name: true,
  clock: true,
};
