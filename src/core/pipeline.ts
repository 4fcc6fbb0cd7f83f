import { type CallContext, type Context, type ExecuteOptions, isCallContext } from './context.js';
import {
  type ExtraValue,
  invoke,
  type Policy,
  type PolicyFunction,
  type RESOLVES_WITH,
  RUN,
  type Runnable,
  runWithin,
  startCall,
} from './policy.js';

/**
 * Policies composed into one. The first is the outermost.
 *
 * `X` is the extra type a fallback inside may resolve with, so `execute`
 * resolves with `Awaited<T> | X`.
 *
 * @remarks A pipeline has no events of its own; attach metrics to each of `policies`.
 */
export class Pipeline<X = never> implements Policy, Runnable {
  /** Always `'pipeline'`. */
  readonly kind = 'pipeline' as const;
  /** Used in events and metrics. */
  readonly name: string = 'pipeline';
  /** The composed policies, outermost first. */
  readonly policies: readonly Policy[];
  declare readonly [RESOLVES_WITH]: X;

  constructor(policies: readonly Policy[]) {
    this.policies = Object.freeze(policies.slice());
  }

  /** Runs `fn` through every policy, the first outermost. */
  execute<T>(fn: (ctx: Context) => T | PromiseLike<T>, options?: ExecuteOptions): Promise<Awaited<T> | X>;
  /** The {@link Policy} signature: when the pipeline is seen as a plain `Policy`, `X` is not in the type. */
  execute<T>(fn: (ctx: Context) => T | PromiseLike<T>, options?: ExecuteOptions): Promise<Awaited<T>>;
  execute<T>(fn: (ctx: Context) => T | PromiseLike<T>, options?: ExecuteOptions): Promise<Awaited<T> | X> {
    if (typeof fn !== 'function') return Promise.reject(new TypeError(`pipeline: execute expects a function, got ${typeof fn}`));
    return startCall(this, fn, options);
  }

  /** @internal */
  [RUN]<T>(fn: PolicyFunction<T>, ctx: CallContext): Promise<Awaited<T>> {
    return this.step(0, fn, ctx);
  }

  private step<T>(index: number, fn: PolicyFunction<T>, ctx: CallContext): Promise<Awaited<T>> {
    const policies = this.policies;
    if (index === policies.length) return invoke(fn, ctx);
    const policy = policies[index] as Policy;
    if (index === policies.length - 1) return runWithin(policy, fn, ctx);
    return runWithin(policy, (inner) => this.step(index + 1, fn, isCallContext(inner) ? inner : ctx), ctx);
  }
}

/**
 * Composes policies; the first argument is the outermost. `pipeline()` runs
 * the function as it is.
 *
 * @example
 * ```ts
 * const policy = pipeline(retry(), circuitBreaker(), bulkhead({ maxConcurrent: 10 }), timeout(2_000));
 * const res = await policy.execute(({ signal }) => fetch(url, { signal }));
 * ```
 */
export function pipeline<const P extends readonly Policy[]>(...policies: P): Pipeline<ExtraValue<P[number]>> {
  policies.forEach((p, i) => {
    if (typeof p !== 'object' || p === null || typeof (p as Partial<Policy>).execute !== 'function') {
      throw new TypeError(`pipeline: argument ${i + 1} must be a policy (an object with execute), got ${p === null ? 'null' : typeof p}`);
    }
  });
  return new Pipeline<ExtraValue<P[number]>>(policies);
}
