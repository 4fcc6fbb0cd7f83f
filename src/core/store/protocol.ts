import type { EventBase } from '../events.js';

/**
 * The protocol between a policy and a shared store. Every operation is data
 * in, data out, so a store is a translation of these few shapes into its
 * engine's commands (the Redis store: one Lua script per operation).
 *
 * Every operation returns `undefined` synchronously when the store is
 * degraded and sends nothing (the policy decides locally at once, with no
 * microtask), or a promise that never rejects: it resolves `undefined` when
 * the store could not answer (the store is degraded from then on).
 */

/** A token bucket's rule: `limit` tokens per `perMs`, at most `burst` held. */
export interface BucketRule {
  /** Tokens added per `perMs`. */
  readonly limit: number;
  /** The period of `limit`, in milliseconds. */
  readonly perMs: number;
  /** The bucket's size. */
  readonly burst: number;
}

/** What a bucket handed out. */
export interface Grant {
  /** Tokens taken, from 0 to the number asked for. */
  readonly granted: number;
  /** Milliseconds until the bucket holds a token again (0 when it still holds one). */
  readonly retryAfter: number;
}

/** What one instance tells the store about a shared breaker (see {@link SharedStore.breaker}). */
export interface BreakerReport {
  /** The instance's own id, unique per process. */
  readonly instance: string;
  /** `openFor` of this opening: set when the instance opened just now. */
  readonly opened?: number;
  /** Set when the instance closed after successful probes: the fleet closes too. */
  readonly closed?: boolean;
  /** The instance's counts since its last report (for `share: 'counts'`). */
  readonly counts?: BreakerCounts;
  /** How long the counts stay in the merged window, in milliseconds. */
  readonly windowMs: number;
  /** How far back an opening counts towards the quorum, in milliseconds. */
  readonly openWithinMs: number;
}

/** Calls and their outcomes, as a breaker window counts them. */
export interface BreakerCounts {
  readonly calls: number;
  readonly failures: number;
  readonly slowCalls: number;
}

/** What the fleet knows about a shared breaker, in ages relative to the store's own clock. */
export interface BreakerView {
  /** Instances that opened within `openWithinMs`. */
  readonly opens: number;
  /** Milliseconds left of the latest opening's `openFor` (0 when none is running). */
  readonly openLeft: number;
  /** Milliseconds since the fleet last closed (`Infinity` when it never did). */
  readonly closedAgo: number;
  /** The fleet's counts within `windowMs`, this report's included. */
  readonly counts: BreakerCounts;
}

/** Payloads of a store's events (each also has `policy` (the store's name), `key`, `correlationId` and `at`). */
export interface StoreEvents {
  /** A command failed, timed out or got a reply it could not use: policies decide locally for `retryAfter`. */
  degraded: { readonly error: unknown };
  /** The probe after `retryAfter` succeeded: policies use the store again. */
  restored: Record<never, never>;
}

/** A function to hear a store event. */
export type StoreListener<K extends keyof StoreEvents> = (payload: Readonly<StoreEvents[K] & EventBase>) => void;

/** A store's answer: `undefined` at once when degraded, else a promise that never rejects. */
export type StoreReply<T> = Promise<T | undefined> | undefined;

/**
 * State shared by many instances of a service: rate-limit buckets, breaker
 * state and serialized values. Made by `memoryStore()` (one process) or
 * `redisStore()` from `breakwater/redis`.
 *
 * @remarks
 * Gotchas: an operation returns `undefined` synchronously while the store is
 * degraded, so a policy decides locally at once; a promise it returns never
 * rejects (`undefined` when the store could not answer). `bucket`/`name`
 * and `key` are data: any string, `{`, `}` and `:` included.
 *
 * @example
 * ```ts
 * const store = memoryStore();
 * const limit = rateLimit({ name: 'payments', limit: 100, perMs: 1_000, store });
 * store.on('degraded', ({ error }) => log.warn({ error }, 'shared state unavailable'));
 * ```
 */
export interface SharedStore {
  /** Always `'store'`, so tools tell a store from a policy. */
  readonly kind: 'store';
  /** Used in events and metrics. */
  readonly name: string;
  /** True while the store is degraded (policies decide locally). */
  readonly degraded: boolean;
  /** Takes up to `want` tokens from the bucket of (`bucket`, `key`); GCRA, so a grant of 1 is exact. */
  take(bucket: string, key: string | undefined, rule: BucketRule, want: number): StoreReply<Grant>;
  /** Reports what an instance learned about the breaker `name` and reads what the fleet knows. */
  breaker(name: string, report: BreakerReport): StoreReply<BreakerView>;
  /**
   * Takes one of `max` probe places of the breaker `name` for `ms` milliseconds; `false` when none is
   * free, while the fleet is open, and for `quietMs` after the fleet closed.
   */
  probe(name: string, holder: string, ms: number, max: number, quietMs: number): StoreReply<boolean>;
  /** Gives a probe place back (the probe settled). */
  unprobe(name: string, holder: string): StoreReply<boolean>;
  /** The value stored under `key`, or `null` when there is none. */
  get(key: string): StoreReply<string | null>;
  /** Stores `value` under `key` for `ttlMs` milliseconds; `true` once stored. */
  set(key: string, value: string, ttlMs: number): StoreReply<boolean>;
  /** Forgets the value stored under `key`; `true` when one was held. */
  delete(key: string): StoreReply<boolean>;
  /** Listens to `degraded` or `restored`. */
  on<K extends keyof StoreEvents>(event: K, listener: StoreListener<K>): this;
  /** Listens once. */
  once<K extends keyof StoreEvents>(event: K, listener: StoreListener<K>): this;
  /** Stops listening. */
  off<K extends keyof StoreEvents>(event: K, listener?: StoreListener<K>): this;
}

const STORE_KIND = 'store';

/** True for an object that speaks the store protocol (from any copy of the package). */
export function isSharedStore(value: unknown): value is SharedStore {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as Partial<Record<keyof SharedStore, unknown>>;
  return (
    s.kind === STORE_KIND &&
    typeof s.name === 'string' &&
    typeof s.take === 'function' &&
    typeof s.breaker === 'function' &&
    typeof s.probe === 'function' &&
    typeof s.get === 'function' &&
    typeof s.set === 'function' &&
    typeof s.on === 'function'
  );
}
