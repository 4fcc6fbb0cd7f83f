import type { CallContext } from '../../core/context.js';
import { RateLimitedError } from '../../core/errors.js';
import { invoke, PolicyBase, type PolicyFunction, RUN } from '../../core/policy.js';
import {
  type OptionNames,
  describe,
  integerAtLeast,
  oneOf,
  optionsObject,
  positiveFinite,
} from '../../core/validate.js';
import { isSharedStore, type SharedStore } from '../../core/store/protocol.js';
import {
  DEFAULT_RATE_LIMIT_MAX_KEYS,
  DEFAULT_RATE_LIMIT_MODE,
  defaultLease,
  RATE_LIMIT_KIND,
  RATE_LIMIT_MODES,
} from './constants.js';
import { RATE_LIMIT_PEER_NAMES } from '../../core/peer-names.js';
import type { RateLimitEvents } from './events.js';
import type { RateLimitMode, RateLimitOptions } from './options.js';
import { type Admission, SharedLimiter } from './shared-limiter.js';
import { TokenBucket } from './token-bucket.js';

/**
 * A policy that admits at most `limit` calls per `perMs` (bursts up to
 * `burst`). Made by {@link rateLimit}.
 */
export class RateLimitPolicy extends PolicyBase<RateLimitEvents> {
  declare readonly kind: 'rateLimit';
  /** Calls per `perMs` in the long run. */
  readonly limit: number;
  /** The period of `limit`, in milliseconds. */
  readonly perMs: number;
  /** The bucket's size. */
  readonly burst: number;
  /** The shared store, when one was given. */
  readonly store: SharedStore | undefined;
  /** With a store: `'strict'` or `'lease'`. */
  readonly mode: RateLimitMode;
  /** With `mode: 'lease'`: tokens per round trip (0 in strict mode). */
  readonly lease: number;
  private readonly bucket: TokenBucket;
  private readonly shared: SharedLimiter | undefined;

  constructor(options: Partial<RateLimitOptions>) {
    super(RATE_LIMIT_KIND, options);
    this.limit = integerAtLeast(RATE_LIMIT_KIND, 'limit', options.limit, 1);
    this.perMs = positiveFinite(RATE_LIMIT_KIND, 'perMs', options.perMs);
    this.burst = options.burst === undefined ? this.limit : integerAtLeast(RATE_LIMIT_KIND, 'burst', options.burst, 1);
    this.bucket = new TokenBucket(this.limit, this.perMs, this.burst, this.clock.now());
    this.mode =
      options.mode === undefined
        ? DEFAULT_RATE_LIMIT_MODE
        : oneOf(RATE_LIMIT_KIND, 'mode', options.mode, RATE_LIMIT_MODES);
    const lease =
      options.lease === undefined
        ? defaultLease(this.burst)
        : integerAtLeast(RATE_LIMIT_KIND, 'lease', options.lease, 1);
    const maxKeys =
      options.maxKeys === undefined
        ? DEFAULT_RATE_LIMIT_MAX_KEYS
        : integerAtLeast(RATE_LIMIT_KIND, 'maxKeys', options.maxKeys, 1);
    this.lease = this.mode === 'lease' ? lease : 0;
    if (options.store === undefined) {
      this.store = undefined;
      this.shared = undefined;
      return;
    }
    if (!isSharedStore(options.store)) {
      throw new TypeError(
        `${RATE_LIMIT_KIND}: store must be a SharedStore (memoryStore() or redisStore()), got ${describe(options.store)}`,
      );
    }
    if (options.name === undefined) {
      throw new TypeError(
        `${RATE_LIMIT_KIND}: a policy with a store needs an explicit name (two services with the default name would share one bucket)`,
      );
    }
    this.store = options.store;
    const rule = { limit: this.limit, perMs: this.perMs, burst: this.burst };
    this.shared = new SharedLimiter(options.store, this.name, rule, this.lease, maxKeys, this.clock);
  }

  /** Whole tokens available now: calls that would be admitted at once. */
  get available(): number {
    return this.bucket.available(this.clock.now());
  }

  /** @internal */
  [RUN]<T>(fn: PolicyFunction<T>, ctx: CallContext): Promise<Awaited<T>> {
    if (ctx.scope.aborted) return Promise.reject(ctx.scope.reason);
    const shared = this.shared;
    if (shared !== undefined) {
      const admission: Admission = shared.take(ctx.key);
      if (typeof admission === 'number') return this.decide(admission, fn, ctx);
      return admission.then((wait) => this.decide(wait, fn, ctx));
    }
    return this.decide(this.bucket.take(this.clock.now()), fn, ctx);
  }

  private decide<T>(wait: number, fn: PolicyFunction<T>, ctx: CallContext): Promise<Awaited<T>> {
    if (wait === 0) {
      // The store's answer took a while: a caller who aborted meanwhile asked for no result.
      if (ctx.scope.aborted) return Promise.reject(ctx.scope.reason);
      return invoke(fn, ctx);
    }
    this.emitEvent('rejected', ctx, { retryAfter: wait });
    return Promise.reject(new RateLimitedError(wait));
  }
}

/** Every option name of RateLimitOptions; any other key is a TypeError. */
const RATE_LIMIT_OPTIONS: OptionNames<RateLimitOptions> = {
  limit: true,
  perMs: true,
  burst: true,
  store: true,
  mode: true,
  lease: true,
  maxKeys: true,
  name: true,
  clock: true,
};

/**
 * Limits the rate of calls with a token bucket: `burst` tokens to start,
 * refilled at `limit` per `perMs`. A call without a token rejects at once
 * with `RateLimitedError` (`retryAfter`: milliseconds until the next token;
 * `executed === false`, so a retry outside may safely run it again).
 *
 * @remarks
 * Gotchas: the bucket is refilled from `clock.now()` when a call arrives, so
 * the policy holds no timer. One policy is one bucket shared by every caller;
 * for a limit per caller use `keyed(() => rateLimit(...))` with `{ key }`.
 * Calls are counted when they start, not when they finish (use a bulkhead to
 * bound concurrency). With a `store` the bucket is shared by every instance
 * under the policy's `name` and the call's `key`; `available` then reads the
 * local bucket only.
 *
 * @example
 * ```ts
 * const policy = rateLimit({ limit: 100, perMs: 1_000, burst: 20 });
 * await policy.execute(() => client.send(message));
 * ```
 */
export function rateLimit(options: RateLimitOptions): RateLimitPolicy {
  return new RateLimitPolicy(
    optionsObject<RateLimitOptions>(RATE_LIMIT_KIND, options, RATE_LIMIT_OPTIONS, RATE_LIMIT_PEER_NAMES),
  );
}

export type { RateLimitEvents } from './events.js';
export type { RateLimitMode, RateLimitOptions } from './options.js';
export { DEFAULT_RATE_LIMIT_MAX_KEYS, DEFAULT_RATE_LIMIT_MODE } from './constants.js';
