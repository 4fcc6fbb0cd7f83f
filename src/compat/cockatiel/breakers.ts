/**
 * cockatiel's pluggable trip rules (`IBreaker`). A user may write their own,
 * so the shim cannot map them onto breakwater's windows: breakwater's breaker
 * keeps the state machine (open, half-open probes, isolation, timing) and asks
 * the rule, through `failOn`, whether a failure opens it.
 */

/** cockatiel's circuit states, as numbers. */
export enum CircuitState {
  Closed = 0,
  Open = 1,
  HalfOpen = 2,
  Isolated = 3,
}

/** A trip rule: told of each success and failure; `failure` returns whether to open. */
export interface IBreaker {
  /** Serialisable state, written by `toJSON()` and read back from `initialState`. */
  state: unknown;
  success(state: CircuitState): void;
  failure(state: CircuitState): boolean;
}

/**
 * Opens after `threshold` failures in a row.
 *
 * @example
 * circuitBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) });
 */
export class ConsecutiveBreaker implements IBreaker {
  /** Failures in a row so far. */
  state = 0;
  constructor(private readonly threshold: number) {}
  /** A success resets the count. */
  success(): void {
    this.state = 0;
  }
  /** Counts the failure; true once `threshold` are in a row. */
  failure(): boolean {
    return ++this.state >= this.threshold;
  }
}

/** Options of {@link CountBreaker}. */
export interface ICountBreakerOptions {
  /** Failure ratio above which it opens, in (0, 1). */
  threshold: number;
  /** Calls in the window. */
  size: number;
  /** Calls needed before deciding. @defaultValue size */
  minimumNumberOfCalls?: number;
}

/**
 * Opens when more than `threshold` of the last `size` calls failed.
 *
 * @example
 * new CountBreaker({ threshold: 0.2, size: 100, minimumNumberOfCalls: 20 });
 */
export class CountBreaker implements IBreaker {
  private readonly threshold: number;
  private readonly minimumNumberOfCalls: number;
  private samples: (boolean | null)[];
  private successes = 0;
  private failures = 0;
  private currentSample = 0;

  constructor({ threshold, size, minimumNumberOfCalls = size }: ICountBreakerOptions) {
    if (threshold <= 0 || threshold >= 1)
      throw new RangeError(`CountBreaker threshold should be between (0, 1), got ${threshold}`);
    if (!Number.isSafeInteger(size) || size < 1)
      throw new RangeError(`CountBreaker size should be a positive integer, got ${size}`);
    if (!Number.isSafeInteger(minimumNumberOfCalls) || minimumNumberOfCalls < 1 || minimumNumberOfCalls > size) {
      throw new RangeError(`CountBreaker size should be an integer between (1, size), got ${minimumNumberOfCalls}`);
    }
    this.threshold = threshold;
    this.minimumNumberOfCalls = minimumNumberOfCalls;
    this.samples = new Array<boolean | null>(size).fill(null);
  }

  /** The window, as plain data. */
  get state(): unknown {
    return {
      samples: [...this.samples],
      currentSample: this.currentSample,
      failures: this.failures,
      successes: this.successes,
    };
  }
  set state(value: unknown) {
    const v = value as { samples: (boolean | null)[]; currentSample: number; failures: number; successes: number };
    this.samples = [...v.samples];
    this.currentSample = v.currentSample;
    this.failures = v.failures;
    this.successes = v.successes;
  }

  /** Records a success; a half-open success starts a fresh window. */
  success(state: CircuitState): void {
    if (state === CircuitState.HalfOpen) this.reset();
    this.sample(true);
  }

  /** Records a failure; true when the window's failure ratio is over the threshold. */
  failure(state: CircuitState): boolean {
    this.sample(false);
    if (state !== CircuitState.Closed) return true;
    const total = this.successes + this.failures;
    return total >= this.minimumNumberOfCalls && this.failures > this.threshold * total;
  }

  private reset(): void {
    this.samples.fill(null);
    this.successes = 0;
    this.failures = 0;
  }

  private sample(ok: boolean): void {
    const old = this.samples[this.currentSample];
    if (old === true) this.successes--;
    else if (old === false) this.failures--;
    this.samples[this.currentSample] = ok;
    if (ok) this.successes++;
    else this.failures++;
    this.currentSample = (this.currentSample + 1) % this.samples.length;
  }
}

/** Options of {@link SamplingBreaker}. */
export interface ISamplingBreakerOptions {
  /** Failure ratio above which it opens, in (0, 1). */
  threshold: number;
  /** Milliseconds the window spans. */
  duration: number;
  /** Calls per second needed before deciding. @defaultValue 5 / (threshold × 1000) per ms */
  minimumRps?: number;
}

interface SampleWindow {
  startedAt: number;
  failures: number;
  successes: number;
}

/**
 * Opens when more than `threshold` of the calls in the last `duration` ms failed.
 *
 * @example
 * new SamplingBreaker({ threshold: 0.2, duration: 10_000 });
 */
export class SamplingBreaker implements IBreaker {
  private readonly threshold: number;
  private readonly minimumRpms: number;
  private readonly duration: number;
  private readonly windowSize: number;
  private windows: SampleWindow[] = [];
  private currentWindow = 0;
  private currentFailures = 0;
  private currentSuccesses = 0;

  constructor({ threshold, duration, minimumRps }: ISamplingBreakerOptions) {
    if (threshold <= 0 || threshold >= 1)
      throw new RangeError(`SamplingBreaker threshold should be between (0, 1), got ${threshold}`);
    this.threshold = threshold;
    const count = Math.max(5, Math.ceil(duration / 1000));
    for (let i = 0; i < count; i++) this.windows.push({ startedAt: 0, failures: 0, successes: 0 });
    this.windowSize = Math.round(duration / count);
    this.duration = this.windowSize * count;
    this.minimumRpms = minimumRps ? minimumRps / 1000 : 5 / (threshold * 1000);
  }

  /** The windows, as plain data. */
  get state(): unknown {
    return {
      windows: this.windows.map((w) => ({ ...w })),
      currentWindow: this.currentWindow,
      currentFailures: this.currentFailures,
      currentSuccesses: this.currentSuccesses,
    };
  }
  set state(value: unknown) {
    const v = value as {
      windows: SampleWindow[];
      currentWindow: number;
      currentFailures: number;
      currentSuccesses: number;
    };
    this.windows = v.windows.map((w) => ({ ...w }));
    this.currentWindow = v.currentWindow;
    this.currentFailures = v.currentFailures;
    this.currentSuccesses = v.currentSuccesses;
  }

  /** Records a success; a half-open success empties the windows. */
  success(state: CircuitState): void {
    if (state === CircuitState.HalfOpen) {
      this.currentFailures = 0;
      this.currentSuccesses = 0;
      for (const w of this.windows) {
        w.failures = 0;
        w.successes = 0;
        w.startedAt = 0;
      }
    }
    this.push(true);
  }

  /** Records a failure; true when the ratio is over the threshold at enough volume. */
  failure(state: CircuitState): boolean {
    this.push(false);
    if (state !== CircuitState.Closed) return true;
    const total = this.currentSuccesses + this.currentFailures;
    if (total < this.duration * this.minimumRpms) return false;
    return this.currentFailures > this.threshold * total;
  }

  private push(ok: boolean): void {
    // Date.now() read at call time, so fake timers move the windows.
    const now = Date.now();
    let w = this.windows[this.currentWindow] as SampleWindow;
    if (now - w.startedAt >= this.windowSize) {
      const next = (this.currentWindow + 1) % this.windows.length;
      const old = this.windows[next] as SampleWindow;
      this.currentFailures -= old.failures;
      this.currentSuccesses -= old.successes;
      w = this.windows[next] = { failures: 0, successes: 0, startedAt: now };
      this.currentWindow = next;
    }
    if (ok) {
      w.successes++;
      this.currentSuccesses++;
    } else {
      w.failures++;
      this.currentFailures++;
    }
  }
}
