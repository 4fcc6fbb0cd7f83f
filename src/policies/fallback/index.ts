import type { CallContext, Context, ExecuteOptions } from '../../core/context.js';
import { invoke, type Outcome, PolicyBase, type PolicyFunction, type RESOLVES_WITH, RUN } from '../../core/policy.js';
import { type OptionNames, isFunction, optionsObject } from '../../core/validate.js';
import { FALLBACK_PEER_NAMES } from '../../core/peer-names.js';
import { DEFAULT_FALLBACK_ON, FALLBACK_KIND } from './constants.js';
import type { FallbackEvents } from './events.js';
import type { FallbackOptions, FallbackValue } from './options.js';

type FallbackFunction<F> = (outcome: Outcome, ctx: Context) => F | PromiseLike<F>;

/**
 * A policy that replaces a failure with a value. Made by {@link fallback}.
 * `F` is the type of the fallback value, so `execute` resolves with
 * `Awaited<T> | F`.
 */
export class FallbackPolicy<F = unknown> extends PolicyBase<FallbackEvents> {
  declare readonly kind: 'fallback';
  declare readonly [RESOLVES_WITH]: F;
  /** The `on` option: which outcomes get the fallback. */
  private readonly handles: (outcome: Outcome) => boolean;
  private readonly value: F | undefined;
  private readonly fn: FallbackFunction<F> | undefined;
  /** With the default `on`, values pass through without building an outcome. */
  private readonly checksValues: boolean;

  constructor(valueOrFn: FallbackValue<F>, options: FallbackOptions) {
    super(FALLBACK_KIND, options);
    if (typeof valueOrFn === 'function') {
      this.fn = valueOrFn as FallbackFunction<F>;
      this.value = undefined;
    } else {
      this.fn = undefined;
      this.value = valueOrFn;
    }
    this.checksValues = options.on !== undefined;
    this.handles = options.on === undefined ? DEFAULT_FALLBACK_ON : isFunction(FALLBACK_KIND, 'on', options.on);
  }

  /**
   * Runs `fn`; when it fails (as `on` decides), resolves with the fallback.
   * The caller's own abort is always rethrown.
   */
  override execute<T>(fn: (ctx: Context) => T | PromiseLike<T>, options?: ExecuteOptions): Promise<Awaited<T> | F>;
  /** The {@link Policy} signature: when the policy is seen as a plain `Policy`, `F` is not in the type. */
  override execute<T>(fn: (ctx: Context) => T | PromiseLike<T>, options?: ExecuteOptions): Promise<Awaited<T>>;
  override execute<T>(fn: (ctx: Context) => T | PromiseLike<T>, options?: ExecuteOptions): Promise<Awaited<T> | F> {
    return super.execute(fn, options);
  }

  /** @internal */
  [RUN]<T>(fn: PolicyFunction<T>, ctx: CallContext): Promise<Awaited<T>> {
    const running = invoke(fn, ctx);
    const onError = (error: unknown): Promise<Awaited<T>> | Awaited<T> => this.recover(error, ctx);
    if (!this.checksValues) return running.then(undefined, onError);
    return running.then((value) => this.check(value, ctx), onError);
  }

  private check<T>(value: Awaited<T>, ctx: CallContext): Promise<Awaited<T>> | Awaited<T> {
    const outcome: Outcome = { ok: true, value };
    return this.handles(outcome) ? this.use(outcome, ctx) : value;
  }

  private recover<T>(error: unknown, ctx: CallContext): Promise<Awaited<T>> | Awaited<T> {
    // The caller's own abort is theirs to see, whatever `on` says.
    if (ctx.scope.aborted && error === ctx.scope.reason) throw error;
    const outcome: Outcome = { ok: false, error };
    if (!this.handles(outcome)) throw error;
    return this.use(outcome, ctx);
  }

  /** The fallback's result; `then` adopts a promise or thenable the function returns. */
  private use<T>(outcome: Outcome, ctx: CallContext): Promise<Awaited<T>> | Awaited<T> {
    this.emitEvent('fallback', ctx, { outcome });
    const fn = this.fn;
    // `execute` is typed `Awaited<T> | F` at the surface; inside, the chain carries `Awaited<T>`.
    return (fn === undefined ? this.value : fn(outcome, ctx)) as Promise<Awaited<T>> | Awaited<T>;
  }
}

/** Every option name of FallbackOptions; any other key is a TypeError. */
const FALLBACK_OPTIONS: OptionNames<FallbackOptions> = { on: true, name: true, clock: true };

/**
 * Replaces a failure with a value: when `fn` fails, `execute` resolves with
 * `valueOrFn`, or with `await valueOrFn(outcome, ctx)` when it is a function.
 *
 * @remarks
 * Gotchas: the caller's own abort (a rejection with `signal.reason` once the
 * signal has aborted) is never replaced, whatever `on` says. A function is
 * always called, never returned: to fall back to a function value, wrap it
 * (`fallback(() => myFunction)`). If the fallback function throws, `execute`
 * rejects with that error.
 *
 * @param valueOrFn - the fallback value, or a function `(outcome, ctx) => value` (may be async).
 * @example
 * ```ts
 * const policy = fallback((outcome) => cachedPrices.get());
 * const prices = await policy.execute(({ signal }) => fetchPrices({ signal }));
 * ```
 */
export function fallback<F>(
  valueOrFn: (outcome: Outcome, ctx: Context) => F | PromiseLike<F>,
  options?: FallbackOptions,
): FallbackPolicy<Awaited<F>>;

/** A fixed fallback value. */
export function fallback<F>(valueOrFn: F, options?: FallbackOptions): FallbackPolicy<F>;
export function fallback<F>(valueOrFn: FallbackValue<F>, options?: FallbackOptions): FallbackPolicy<F> {
  // A missing value would silently resolve failures with undefined.
  if (arguments.length === 0) {
    throw new TypeError(
      `${FALLBACK_KIND}: valueOrFn is required (the value to resolve with, or a function (outcome, ctx) => value), got nothing`,
    );
  }
  return new FallbackPolicy(
    valueOrFn,
    optionsObject<FallbackOptions>(FALLBACK_KIND, options, FALLBACK_OPTIONS, FALLBACK_PEER_NAMES),
  );
}

export type { FallbackEvents } from './events.js';
export type { FallbackOptions, FallbackValue } from './options.js';
export { DEFAULT_FALLBACK_ON } from './constants.js';
