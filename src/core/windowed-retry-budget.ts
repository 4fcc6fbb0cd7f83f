import { type Clock, systemClock } from './clock.js';
import type { RetryBudget } from './retry-budget.js';
import { type OptionNames, isClock, nonNegativeFinite, optionsObject, positiveFinite } from './validate.js';

const BUDGET_KIND = 'retryBudget';

/** How many time buckets the deposit window is cut into (memory is O(buckets)). */
const WINDOW_BUCKETS = 10;

/** Floating-point slack so that, say, 0.29 × 100 deposits still pays for 29 retries. */
const EPSILON = 1e-9;

/** The bucket that holds time slot `slot` (slots may be negative on a clock that starts below 0). */
function bucketOf(slot: number): number {
  return ((slot % WINDOW_BUCKETS) + WINDOW_BUCKETS) % WINDOW_BUCKETS;
}

/** Options of {@link retryBudget}. */
export interface RetryBudgetOptions {
  /**
   * Retries allowed per call made: each `execute` deposits this many tokens
   * (0.2: retries may add at most 20% to the load). A finite number >= 0.
   * @defaultValue `0.2`
   */
  ratio?: number;
  /**
   * Retries per second that are always allowed, deposits or not, so that a
   * service with little traffic can still retry. A finite number >= 0.
   * @defaultValue `10`
   */
  minPerSecond?: number;
  /**
   * How long a deposit stays spendable, in ms. A positive finite number.
   * @defaultValue `10_000`
   */
  windowMs?: number;
  /**
   * The source of time.
   * @defaultValue `systemClock`
   */
  clock?: Clock;
}

/** Defaults of {@link retryBudget}. */
export const RETRY_BUDGET_DEFAULTS: Readonly<{ ratio: number; minPerSecond: number; windowMs: number }> =
  /* @__PURE__ */ Object.freeze({
    ratio: 0.2,
    minPerSecond: 10,
    windowMs: 10_000,
  });

/**
 * Finagle's retry budget without timers. Two sources pay for a retry:
 *
 * - the ratio pool: `ratio × deposits − retries paid from it`, both counted
 *   over the last `windowMs` in {@link WINDOW_BUCKETS} time buckets that are
 *   emptied lazily as the clock moves (a bucket lives between 0.9 and 1.0 ×
 *   `windowMs`). A retry's debit outlives the deposits that paid for it, so
 *   over any run the retries it pays stay <= `ratio × deposits`;
 * - the floor: a token bucket that refills at `minPerSecond` per second and
 *   holds at most `max(1, minPerSecond)` tokens (none when `minPerSecond` is 0).
 *
 * Over any stretch of `s` seconds, retries <= ratio × calls + minPerSecond ×
 * (s + 1), whatever the traffic.
 */
class WindowedRetryBudget implements RetryBudget {
  private readonly ratio: number;
  private readonly perMs: number;
  private readonly floorCapacity: number;
  private readonly bucketMs: number;
  private readonly clock: Clock;
  /** Deposits and ratio-paid retries per bucket; bucket `i % WINDOW_BUCKETS` holds time slot `i`. */
  private readonly deposits = new Array<number>(WINDOW_BUCKETS).fill(0);
  private readonly taken = new Array<number>(WINDOW_BUCKETS).fill(0);
  private depositSum = 0;
  private takenSum = 0;
  /** The time slot (now / bucketMs, floored) the buckets were last brought up to. */
  private slot: number;
  private floorTokens: number;
  private floorAt: number;

  constructor(ratio: number, minPerSecond: number, windowMs: number, clock: Clock) {
    this.ratio = ratio;
    this.perMs = minPerSecond / 1_000;
    this.floorCapacity = minPerSecond === 0 ? 0 : Math.max(1, minPerSecond);
    this.bucketMs = windowMs / WINDOW_BUCKETS;
    this.clock = clock;
    const now = clock.now();
    this.slot = Math.floor(now / this.bucketMs);
    this.floorTokens = this.floorCapacity;
    this.floorAt = now;
  }

  get available(): number {
    const now = this.clock.now();
    this.expire(now);
    this.refill(now);
    const pool = this.ratio * this.depositSum - this.takenSum;
    return Math.max(0, Math.floor(pool + EPSILON)) + Math.floor(this.floorTokens + EPSILON);
  }

  deposit(): void {
    this.expire(this.clock.now());
    this.deposits[bucketOf(this.slot)] += 1;
    this.depositSum += 1;
  }

  tryTake(): boolean {
    const now = this.clock.now();
    this.expire(now);
    if (this.ratio * this.depositSum - this.takenSum >= 1 - EPSILON) {
      this.taken[bucketOf(this.slot)] += 1;
      this.takenSum += 1;
      return true;
    }
    this.refill(now);
    if (this.floorTokens >= 1 - EPSILON) {
      this.floorTokens -= 1;
      return true;
    }
    return false;
  }

  /** Empties the buckets whose time slots have left the window. */
  private expire(now: number): void {
    const slot = Math.floor(now / this.bucketMs);
    const from = this.slot;
    if (!(slot > from)) return; // same slot, or a clock that stepped back
    this.slot = slot;
    if (slot - from >= WINDOW_BUCKETS) {
      this.deposits.fill(0);
      this.taken.fill(0);
      this.depositSum = 0;
      this.takenSum = 0;
      return;
    }
    for (let s = from + 1; s <= slot; s++) {
      const i = bucketOf(s);
      this.depositSum -= this.deposits[i] as number;
      this.takenSum -= this.taken[i] as number;
      this.deposits[i] = 0;
      this.taken[i] = 0;
    }
  }

  private refill(now: number): void {
    const elapsed = now - this.floorAt;
    if (!(elapsed > 0)) return;
    this.floorAt = now;
    const tokens = this.floorTokens + elapsed * this.perMs;
    this.floorTokens = tokens < this.floorCapacity ? tokens : this.floorCapacity;
  }
}

/** Every option name of RetryBudgetOptions; any other key is a TypeError. */
const BUDGET_OPTIONS: OptionNames<RetryBudgetOptions> = {
  ratio: true,
  minPerSecond: true,
  windowMs: true,
  clock: true,
};

/**
 * A token budget for extra attempts that many retry (and hedge) policies can
 * share, so that retries cannot multiply load during an outage. Every
 * `execute` through a policy holding it deposits `ratio` tokens, which expire
 * after `windowMs`; `minPerSecond` retries per second are always allowed.
 * Each retry takes one token; without one the retry is blocked
 * (`retryBlocked` `{ reason: 'budget' }`) and the call fails with its error.
 *
 * @remarks
 * Gotchas: share one budget per dependency, not one per call site, or each
 * site gets its own `minPerSecond` floor. It keeps no timers.
 *
 * @example
 * ```ts
 * const budget = retryBudget({ ratio: 0.1 });
 * const users = retry({ budget, idempotent: true });
 * const orders = retry({ budget, idempotent: true });
 * ```
 */
export function retryBudget(options?: RetryBudgetOptions): RetryBudget {
  const o = optionsObject<RetryBudgetOptions>(BUDGET_KIND, options, BUDGET_OPTIONS);
  const ratio = o.ratio === undefined ? RETRY_BUDGET_DEFAULTS.ratio : nonNegativeFinite(BUDGET_KIND, 'ratio', o.ratio);
  const minPerSecond =
    o.minPerSecond === undefined
      ? RETRY_BUDGET_DEFAULTS.minPerSecond
      : nonNegativeFinite(BUDGET_KIND, 'minPerSecond', o.minPerSecond);
  const windowMs =
    o.windowMs === undefined ? RETRY_BUDGET_DEFAULTS.windowMs : positiveFinite(BUDGET_KIND, 'windowMs', o.windowMs);
  const clock = o.clock === undefined ? systemClock : isClock<Clock>(BUDGET_KIND, o.clock);
  return new WindowedRetryBudget(ratio, minPerSecond, windowMs, clock);
}
