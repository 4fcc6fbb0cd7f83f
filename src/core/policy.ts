import { type Clock, systemClock } from './clock.js';
import {
  type AbortSubscriber,
  CallContext,
  CallInfo,
  type Context,
  type ExecuteOptions,
  executeOptionsProblem,
} from './context.js';
import { type EventBase, type EventMap, PolicyEmitter } from './events.js';
import { promiseFor, type SettleTarget } from './settle-target.js';
import { isClock, nonEmptyString } from './validate.js';

/** The result of one attempt: a value or an error. */
export type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** A function a policy runs: it gets the attempt's {@link Context}. */
export type PolicyFunction<T> = (ctx: Context) => T | PromiseLike<T>;

/** Anything that can run a function under its rules. */
export interface Policy {
  /**
   * Runs `fn` under the policy.
   *
   * @example
   * ```ts
   * const user = await policy.execute(({ signal }) => fetch(url, { signal }), { key: 'users' });
   * ```
   */
  execute<T>(fn: (ctx: Context) => T | PromiseLike<T>, options?: ExecuteOptions): Promise<Awaited<T>>;
}

/**
 * Type-only marker of the extra type a policy's `execute` may resolve with,
 * beyond the function's own (a fallback's value). Nothing exists at run time.
 */
export declare const RESOLVES_WITH: unique symbol;

/** The extra type `P`'s `execute` may resolve with: a fallback's value type, else `never`. */
export type ExtraValue<P> = P extends { readonly [RESOLVES_WITH]: infer F } ? F : never;

/**
 * How policies of this package call each other without going back through
 * `execute`: the context (signal, deadline, attempt) flows straight through.
 * A `Symbol.for` key, so that policies from two copies of the package (an ESM
 * and a CommonJS build, two installed versions) still speak to each other;
 * the `v1` names the protocol (`CallContext`'s shape), bumped when it changes.
 *
 * Exported for the policies of this package's other entries (`breakwater/cache`),
 * which extend {@link PolicyBase}; applications have no use for it.
 *
 * @example
 * ```ts
 * class Passthrough extends PolicyBase<object> {
 *   [RUN]<T>(fn: PolicyFunction<T>, ctx: CallContext): Promise<Awaited<T>> {
 *     return Promise.resolve(fn(ctx));
 *   }
 * }
 * ```
 */
export const RUN: unique symbol = Symbol.for('breakwater.run.v1') as never;

/** @internal */
export interface Runnable {
  [RUN]<T>(fn: PolicyFunction<T>, ctx: CallContext): Promise<Awaited<T>>;
}

function isRunnable(policy: Policy): policy is Policy & Runnable {
  return typeof (policy as Partial<Runnable>)[RUN] === 'function';
}

/** Calls `fn` and turns a synchronous throw into a rejection. */
export function invoke<T>(fn: PolicyFunction<T>, ctx: CallContext): Promise<Awaited<T>> {
  try {
    const result = fn(ctx);
    return (result instanceof Promise ? result : Promise.resolve(result)) as Promise<Awaited<T>>;
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Runs `fn` through `policy` as part of an enclosing call. */
export function runWithin<T>(policy: Policy, fn: PolicyFunction<T>, ctx: CallContext): Promise<Awaited<T>> {
  if (isRunnable(policy)) return policy[RUN](fn, ctx);
  // A policy from elsewhere: hand it what the public API can carry.
  return policy.execute(fn, {
    signal: ctx.signal,
    idempotent: ctx.idempotent,
    key: ctx.key,
    correlationId: ctx.correlationId,
  });
}

/**
 * Starts a call at the top: checks the options (a wrong one rejects the call
 * with a TypeError, before `fn` runs), the caller's signal, and builds the
 * first context.
 */
export function startCall<T>(
  policy: Runnable & { readonly name: string },
  fn: PolicyFunction<T>,
  options: ExecuteOptions | undefined,
): Promise<Awaited<T>> {
  if (options !== undefined) {
    const problem = executeOptionsProblem(options);
    if (problem !== undefined) return Promise.reject(new TypeError(`${policy.name}: ${problem}`));
  }
  const call = new CallInfo(options);
  if (call.aborted) return Promise.reject(call.reason);
  const ctx = new CallContext(call, call, 1, call.idempotentOption ?? false, undefined);
  const result = policy[RUN](fn, ctx);
  return call.callerSignal === undefined ? result : settleOnCallerAbort(result, call);
}

/**
 * The caller's promise rejects with `signal.reason` the moment the signal
 * aborts, even when the function (or a policy waiting on it, such as a
 * bulkhead slot or a cooperative timeout) has not settled yet: a caller who
 * aborted asked for no result, as with `fetch`. The policies inside still
 * finish their own bookkeeping when the function settles.
 */
function settleOnCallerAbort<T>(result: Promise<T>, call: CallInfo): Promise<T> {
  if (call.aborted) {
    // The function aborted the caller's signal synchronously.
    result.catch(ignore);
    return Promise.reject(call.reason);
  }
  const race = new CallerAbortRace(call);
  const settled = promiseFor<T>(race);
  call.subscribe(race);
  result.then(race.fulfil, race.fail);
  return settled;
}

/** The caller's promise, settled by the call's result or by the caller's abort, whichever comes first. */
class CallerAbortRace implements AbortSubscriber, SettleTarget {
  resolve: (value: unknown) => void = ignore;
  reject: (error: unknown) => void = ignore;
  private readonly call: CallInfo;

  constructor(call: CallInfo) {
    this.call = call;
  }

  /** The caller's signal aborted. */
  handleEvent(): void {
    this.reject(this.call.reason);
  }

  readonly fulfil = (value: unknown): void => {
    this.call.unsubscribe(this);
    this.resolve(value);
  };

  readonly fail = (error: unknown): void => {
    this.call.unsubscribe(this);
    this.reject(error);
  };
}

function ignore(): void {}

/** What kind of policy an object is, so tools can tell policies apart without `instanceof`. */
export type PolicyKind =
  | 'timeout'
  | 'retry'
  | 'circuitBreaker'
  | 'bulkhead'
  | 'keyed'
  | 'fallback'
  | 'hedge'
  | 'rateLimit'
  | 'injectFault'
  | 'injectLatency'
  | 'pipeline'
  | 'adaptiveBulkhead'
  | 'cache';

/** Options every policy factory takes. */
export interface CommonOptions {
  /**
   * Used in events and metrics.
   * @defaultValue the policy kind, e.g. `'timeout'`
   */
  name?: string;
  /**
   * The source of time.
   * @defaultValue `systemClock`
   */
  clock?: Clock;
}

/**
 * What every policy of this package shares: a name, a clock, typed events,
 * and `execute`. Exported for the policies of this package's other entries
 * (`breakwater/cache`); a subclass implements `[RUN]` and emits with `emitEvent`.
 *
 * @example
 * ```ts
 * class Passthrough extends PolicyBase<object> {
 *   constructor() {
 *     super('cache', { name: 'passthrough' });
 *   }
 *   [RUN]<T>(fn: PolicyFunction<T>, ctx: CallContext): Promise<Awaited<T>> {
 *     return Promise.resolve(fn(ctx));
 *   }
 * }
 * ```
 */
export abstract class PolicyBase<E extends EventMap> extends PolicyEmitter<E> implements Policy {
  /** What kind of policy this is (`'timeout'`, `'retry'`, …). */
  readonly kind: PolicyKind;
  /** Used in events and metrics. */
  readonly name: string;
  /** The source of time, for subclasses. */
  protected readonly clock: Clock;

  constructor(kind: PolicyKind, options: CommonOptions) {
    super();
    this.kind = kind;
    this.name = options.name === undefined ? kind : nonEmptyString(kind, 'name', options.name);
    this.clock = options.clock === undefined ? systemClock : isClock<Clock>(kind, options.clock);
  }

  execute<T>(fn: (ctx: Context) => T | PromiseLike<T>, options?: ExecuteOptions): Promise<Awaited<T>> {
    if (typeof fn !== 'function')
      return Promise.reject(new TypeError(`${this.name}: execute expects a function, got ${typeof fn}`));
    return startCall(this, fn, options);
  }

  /** Runs `fn` as part of an enclosing call, with its context: what a subclass implements. */
  abstract [RUN]<T>(fn: PolicyFunction<T>, ctx: CallContext): Promise<Awaited<T>>;

  /**
   * Emits `event` with the common fields; builds nothing when nobody listens.
   * `at` is when it happened, for a change noticed later; else now.
   */
  protected emitEvent<K extends keyof E & string>(
    event: K,
    ctx: CallContext | undefined,
    fields: E[K],
    at?: number,
  ): void {
    if (!this.hasListener(event)) return;
    // Copied field by field: on Node 20 `{ ...fields, policy, … }` takes a slow path that costs
    // microseconds per event (docs/decisions/0006-metrics-one-table-two-adapters.md).
    const payload: Record<string, unknown> = {};
    for (const name in fields) payload[name] = fields[name];
    payload.policy = this.name;
    payload.key = ctx?.key;
    payload.correlationId = ctx?.correlationId;
    payload.at = at === undefined ? this.clock.now() : at;
    (this.emit as (event: string, payload: unknown) => boolean)(event, Object.freeze(payload as E[K] & EventBase));
  }

  /** True when someone listens to `event`. */
  protected listens(event: keyof E & string): boolean {
    return this.hasListener(event);
  }
}
