import type { CallContext } from '../../core/context.js';
import { RateLimitedError } from '../../core/errors.js';
import { invoke, PolicyBase, type PolicyFunction, RUN } from '../../core/policy.js';
import { type OptionNames, integerAtLeast, optionsObject, positiveFinite } from '../../core/validate.js';
import { RATE_LIMIT_PEER_NAMES } from '../../core/peer-names.js';
import { RATE_LIMIT_KIND } from './constants.js';
import type { RateLimitEvents } from './events.js';
import type { RateLimitOptions } from './options.js';
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
  private readonly bucket: TokenBucket;

  constructor(options: Partial<RateLimitOptions>) {
    super(RATE_LIMIT_KIND, options);
    this.limit = integerAtLeast(RATE_LIMIT_KIND, 'limit', options.limit, 1);
    this.perMs = positiveFinite(RATE_LIMIT_KIND, 'perMs', options.perMs);
    this.burst = options.burst === undefined ? this.limit : integerAtLeast(RATE_LIMIT_KIND, 'burst', options.burst, 1);
    this.bucket = new TokenBucket(this.limit, this.perMs, this.burst, this.clock.now());
  }

  /** Whole tokens available now: calls that would be admitted at once. */
  get available(): number {
    return this.bucket.available(this.clock.now());
  }

  /** @internal */
  [RUN]<T>(fn: PolicyFunction<T>, ctx: CallContext): Promise<Awaited<T>> {
    if (ctx.scope.aborted) return Promise.reject(ctx.scope.reason);
    const wait = this.bucket.take(this.clock.now());
    if (wait === 0) return invoke(fn, ctx);
    this.emitEvent('rejected', ctx, { retryAfter: wait });
    return Promise.reject(new RateLimitedError(wait));
  }
}


/** Every option name of RateLimitOptions; any other key is a TypeError. */
const RATE_LIMIT_OPTIONS: OptionNames<RateLimitOptions> = { limit: true, perMs: true, burst: true, name: true, clock: true };

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
 * bound concurrency).
 *
 * @example
 * ```ts
 * const policy = rateLimit({ limit: 100, perMs: 1_000, burst: 20 });
 * await policy.execute(() => client.send(message));
 * ```
 */
export function rateLimit(options: RateLimitOptions): RateLimitPolicy {
  return new RateLimitPolicy(optionsObject<RateLimitOptions>(RATE_LIMIT_KIND, options, RATE_LIMIT_OPTIONS, RATE_LIMIT_PEER_NAMES));
}

export type { RateLimitEvents } from './events.js';
export type { RateLimitOptions } from './options.js';
