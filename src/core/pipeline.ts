import { type Clock, systemClock } from './clock.js';
import { type CallContext, type Context, type ExecuteOptions, isCallContext } from './context.js';
import { type EventBase, PolicyEmitter } from './events.js';
import {
  type ExtraValue,
  invoke,
  type Policy,
  type Outcome,
  type PolicyFunction,
  type RESOLVES_WITH,
  RUN,
  type Runnable,
  runWithin,
  startCall,
} from './policy.js';
import { isClock, nonEmptyString } from './validate.js';

/** The name a pipeline has when none is given. */
export const DEFAULT_PIPELINE_NAME = 'pipeline';

/** Options of a named pipeline: `pipeline({ name, clock }, ...policies)`. */
export interface PipelineOptions {
  /**
   * Used in the `settled` event and in metrics.
   * @defaultValue `'pipeline'`
   */
  name?: string;
  /**
   * Times the calls for the `settled` event.
   * @defaultValue `systemClock`
   */
  clock?: Clock;
}

/** Events of a pipeline (each payload also has `policy`, `key`, `correlationId`, `at`). */
export interface PipelineEvents {
  /**
   * A call through the pipeline settled, as its caller saw it: `durationMs` from `execute` to the
   * settlement, and the outcome. Measured only while someone listens.
   */
  settled: { readonly durationMs: number; readonly outcome: Outcome };
}

/**
 * Policies composed into one. The first is the outermost.
 *
 * `X` is the extra type a fallback inside may resolve with, so `execute`
 * resolves with `Awaited<T> | X`.
 *
 * @remarks A pipeline emits one event, `settled`, per call; attach metrics to each of `policies`
 * for the rest.
 */
export class Pipeline<X = never> extends PolicyEmitter<PipelineEvents> implements Policy {
  /** Always `'pipeline'`. */
  readonly kind = 'pipeline' as const;
  /** Used in events and metrics. */
  readonly name: string;
  /** The composed policies, outermost first. */
  readonly policies: readonly Policy[];
  declare readonly [RESOLVES_WITH]: X;
  private readonly clock: Clock;
  /** Runs the steps without observing: what `execute` starts, since it observes the whole call itself. */
  private readonly steps: Runnable & { readonly name: string };

  constructor(policies: readonly Policy[], options: PipelineOptions = {}) {
    super();
    this.policies = Object.freeze(policies.slice());
    this.name = options.name ?? DEFAULT_PIPELINE_NAME;
    this.clock = options.clock ?? systemClock;
    this.steps = { name: this.name, [RUN]: (fn, ctx) => this.step(0, fn, ctx) };
  }

  /** Runs `fn` through every policy, the first outermost. */
  execute<T>(fn: (ctx: Context) => T | PromiseLike<T>, options?: ExecuteOptions): Promise<Awaited<T> | X>;
  /** The {@link Policy} signature: when the pipeline is seen as a plain `Policy`, `X` is not in the type. */
  execute<T>(fn: (ctx: Context) => T | PromiseLike<T>, options?: ExecuteOptions): Promise<Awaited<T>>;
  execute<T>(fn: (ctx: Context) => T | PromiseLike<T>, options?: ExecuteOptions): Promise<Awaited<T> | X> {
    if (typeof fn !== 'function')
      return Promise.reject(new TypeError(`${this.name}: execute expects a function, got ${typeof fn}`));
    if (!this.hasListener('settled')) return startCall(this.steps, fn, options);
    const start = this.clock.now();
    return this.observe(startCall(this.steps, fn, options), start, options?.key, options?.correlationId);
  }

  /** @internal */
  [RUN]<T>(fn: PolicyFunction<T>, ctx: CallContext): Promise<Awaited<T>> {
    if (!this.hasListener('settled')) return this.step(0, fn, ctx);
    const start = this.clock.now();
    return this.observe(this.step(0, fn, ctx), start, ctx.key, ctx.correlationId);
  }

  /** Emits `settled` when `result` settles; returns `result` itself, so the caller's promise is unchanged. */
  private observe<R>(result: Promise<R>, start: number, key: unknown, correlationId: unknown): Promise<R> {
    const emit = (outcome: Outcome): void => {
      if (!this.hasListener('settled')) return;
      const payload: PipelineEvents['settled'] & EventBase = {
        durationMs: this.clock.now() - start,
        outcome,
        policy: this.name,
        key: typeof key === 'string' ? key : undefined,
        correlationId: typeof correlationId === 'string' ? correlationId : undefined,
        at: this.clock.now(),
      };
      this.emit('settled', Object.freeze(payload));
    };
    result.then(
      (value) => emit({ ok: true, value }),
      (error: unknown) => emit({ ok: false, error }),
    );
    return result;
  }

  private step<T>(index: number, fn: PolicyFunction<T>, ctx: CallContext): Promise<Awaited<T>> {
    const policies = this.policies;
    if (index === policies.length) return invoke(fn, ctx);
    const policy = policies[index] as Policy;
    if (index === policies.length - 1) return runWithin(policy, fn, ctx);
    return runWithin(policy, (inner) => this.step(index + 1, fn, isCallContext(inner) ? inner : ctx), ctx);
  }
}

function isPolicyLike(value: unknown): value is Policy {
  return typeof value === 'object' && value !== null && typeof (value as Partial<Policy>).execute === 'function';
}

const PIPELINE_OPTION_KEYS: readonly string[] = ['name', 'clock'];

function pipelineOptions(value: object): PipelineOptions {
  for (const key of Object.keys(value)) {
    if (!PIPELINE_OPTION_KEYS.includes(key)) {
      throw new TypeError(`pipeline: unknown option ${key} (the options are name and clock)`);
    }
  }
  const given = value as { name?: unknown; clock?: unknown };
  const options: PipelineOptions = {};
  if (given.name !== undefined) options.name = nonEmptyString(DEFAULT_PIPELINE_NAME, 'name', given.name);
  if (given.clock !== undefined) options.clock = isClock<Clock>(DEFAULT_PIPELINE_NAME, given.clock);
  return options;
}

/**
 * Composes policies; the first argument is the outermost. `pipeline()` runs
 * the function as it is. A leading plain options object names the pipeline
 * (`settled` events and metrics carry the name) and gives it a clock.
 *
 * @example
 * ```ts
 * const policy = pipeline(retry(), circuitBreaker(), bulkhead({ maxConcurrent: 10 }), timeout(2_000));
 * const res = await policy.execute(({ signal }) => fetch(url, { signal }));
 *
 * const users = pipeline({ name: 'users' }, retry(), timeout(2_000));
 * users.on('settled', (e) => console.log(e.policy, e.durationMs, e.outcome.ok));
 * ```
 */
export function pipeline<const P extends readonly Policy[]>(...policies: P): Pipeline<ExtraValue<P[number]>>;
export function pipeline<const P extends readonly Policy[]>(
  options: PipelineOptions,
  ...policies: P
): Pipeline<ExtraValue<P[number]>>;
export function pipeline(...args: readonly unknown[]): Pipeline<unknown> {
  let options: PipelineOptions = {};
  let policies = args;
  const first = args[0];
  if (typeof first === 'object' && first !== null && !Array.isArray(first) && !isPolicyLike(first)) {
    options = pipelineOptions(first);
    policies = args.slice(1);
  }
  const offset = args.length - policies.length;
  policies.forEach((p, i) => {
    if (!isPolicyLike(p)) {
      throw new TypeError(
        `${options.name ?? DEFAULT_PIPELINE_NAME}: argument ${i + 1 + offset} must be a policy (an object with execute), got ${p === null ? 'null' : typeof p}`,
      );
    }
  });
  return new Pipeline<unknown>(policies as readonly Policy[], options);
}
