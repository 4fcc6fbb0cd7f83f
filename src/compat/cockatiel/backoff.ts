/**
 * cockatiel's backoffs: a factory whose `next(context)` starts a chain of
 * immutable steps, each with a `duration` and a `next(context)`. The retry
 * shim keeps one chain per call and hands its durations to breakwater's retry.
 */

/** One step of a backoff chain. */
export interface IBackoff<T> {
  /** Milliseconds to wait. */
  readonly duration: number;
  /** The step after this one. */
  next(context: T): IBackoff<T>;
}

/** Starts a backoff chain. */
export interface IBackoffFactory<T> {
  next(context: T): IBackoff<T>;
}

const constantStep = <T>(ms: number): IBackoff<T> => {
  const step: IBackoff<T> = { duration: ms, next: () => step };
  return step;
};

/**
 * The same delay every time.
 *
 * @example
 * retry(handleAll, { maxAttempts: 3, backoff: new ConstantBackoff(50) });
 */
export class ConstantBackoff implements IBackoffFactory<unknown> {
  constructor(private readonly interval: number) {}
  /** The first step. */
  next(): IBackoff<unknown> {
    return constantStep(this.interval);
  }
}

/** What a delegate returns: a delay, or a delay with state for the next call. */
export type DelegateBackoffFn<T, S = void> = (context: T, state?: S) => { delay: number; state: S } | number;

/**
 * A delay computed by a function of the context (and optional state).
 *
 * @example
 * new DelegateBackoff((ctx) => ctx.attempt * 100);
 */
export class DelegateBackoff<T, S = void> implements IBackoffFactory<T> {
  constructor(private readonly fn: DelegateBackoffFn<T, S>) {}
  /** The first step. */
  next(context: T): IBackoff<T> {
    return delegateStep(this.fn, undefined, 0).next(context);
  }
}

const delegateStep = <T, S>(fn: DelegateBackoffFn<T, S>, state: S | undefined, duration: number): IBackoff<T> => ({
  duration,
  next(context: T): IBackoff<T> {
    const out = fn(context, state);
    return typeof out === 'number' ? delegateStep(fn, state, out) : delegateStep(fn, out.state, out.delay);
  },
});

/**
 * The listed delays in order, then the last one again.
 *
 * @example
 * new IterableBackoff([100, 200, 500]);
 */
export class IterableBackoff implements IBackoffFactory<unknown> {
  constructor(private readonly durations: ReadonlyArray<number>) {}
  /** The first step (the context is not read). */
  next(...context: [unknown?]): IBackoff<unknown> {
    void context;
    return iterableStep(this.durations, 0);
  }
}

const iterableStep = (durations: ReadonlyArray<number>, index: number): IBackoff<unknown> => ({
  duration: durations[index] as number,
  next(): IBackoff<unknown> {
    return index >= durations.length - 1 ? this : iterableStep(durations, index + 1);
  },
});

/** Computes the next delay and state of an exponential backoff. */
export type GeneratorFn<S> = (state: S | undefined, options: IExponentialBackoffOptions<S>) => [number, S];

/** Options of {@link ExponentialBackoff}. */
export interface IExponentialBackoffOptions<S> {
  /** The delay formula. @defaultValue decorrelatedJitterGenerator */
  generator: GeneratorFn<S>;
  /** The longest delay. @defaultValue 30000 */
  maxDelay: number;
  /** The growth base. @defaultValue 2 */
  exponent: number;
  /** The first delay's scale. @defaultValue 128 */
  initialDelay: number;
}

/** `min(maxDelay, initialDelay × 2^attempt)`, no randomness. @example new ExponentialBackoff({ generator: noJitterGenerator }) */
export const noJitterGenerator: GeneratorFn<number> = (attempts = 0, options) => [
  Math.min(options.maxDelay, options.initialDelay * 2 ** attempts),
  attempts + 1,
];

/** A uniform draw below the no-jitter delay. @example new ExponentialBackoff({ generator: fullJitterGenerator }) */
export const fullJitterGenerator: GeneratorFn<number> = (state, options) => {
  const [delay, next] = noJitterGenerator(state, options);
  return [Math.floor(Math.random() * delay), next];
};

/** A uniform draw in the upper half of the no-jitter delay. @example new ExponentialBackoff({ generator: halfJitterGenerator }) */
export const halfJitterGenerator: GeneratorFn<number> = (state, options) => {
  const [delay, next] = noJitterGenerator(state, options);
  return [Math.floor((delay + Math.random() * delay) / 2), next];
};

/** Growth constants of the decorrelated formula (Polly's "DecorrelatedJitterV2"). */
const P_FACTOR = 4;
const RP_SCALING = 1 / 1.4;

/**
 * Decorrelated jitter: smooth exponential growth with randomness, the default.
 *
 * @example
 * new ExponentialBackoff({ generator: decorrelatedJitterGenerator });
 */
export const decorrelatedJitterGenerator: GeneratorFn<[number, number]> = (state, options) => {
  const [attempt, previous] = state ?? [0, 0];
  const t = attempt + Math.random();
  const next = options.exponent ** t * Math.tanh(Math.sqrt(P_FACTOR * t));
  const gain = Number.isFinite(next) ? Math.max(0, next - previous) : Infinity;
  return [Math.min(gain * RP_SCALING * options.initialDelay, options.maxDelay), [attempt + 1, next]];
};

const EXPONENTIAL_DEFAULTS: IExponentialBackoffOptions<[number, number]> = {
  generator: decorrelatedJitterGenerator,
  maxDelay: 30_000,
  exponent: 2,
  initialDelay: 128,
};

/**
 * Exponentially growing delays, decorrelated jitter by default.
 *
 * @example
 * retry(handleAll, { maxAttempts: 5, backoff: new ExponentialBackoff({ initialDelay: 100 }) });
 */
export class ExponentialBackoff<S> implements IBackoffFactory<unknown> {
  private readonly options: IExponentialBackoffOptions<S>;
  constructor(options?: Partial<IExponentialBackoffOptions<S>>) {
    this.options = (
      options ? { ...EXPONENTIAL_DEFAULTS, ...options } : EXPONENTIAL_DEFAULTS
    ) as IExponentialBackoffOptions<S>;
  }
  /** The first step. */
  next(): IBackoff<unknown> {
    return exponentialStep(this.options, undefined, 0).next(undefined);
  }
}

const exponentialStep = <S>(
  options: IExponentialBackoffOptions<S>,
  state: S | undefined,
  duration: number,
): IBackoff<unknown> => ({
  duration,
  next(): IBackoff<unknown> {
    const [delay, nextState] = options.generator(state, options);
    return exponentialStep(options, nextState, delay);
  },
});
