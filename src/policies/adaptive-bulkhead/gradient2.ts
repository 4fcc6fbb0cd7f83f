import { clamp, type LimitAlgorithm, type LimitBounds, type LimitWindow } from './algorithm.js';
import { ExpAverage } from './measurement.js';

/** The number of first windows whose RTTs are averaged plainly before the long average turns exponential. */
const LONG_RTT_WARMUP = 10;

/** Settings of {@link Gradient2Limit}, validated. */
export interface Gradient2Settings {
  readonly smoothing: number;
  readonly rttTolerance: number;
  readonly longWindow: number;
  readonly queueSize: number;
}

/**
 * Delay-based (concurrency-limits' Gradient2Limit): compares each window's
 * average RTT with a long exponential average of them. The gradient
 * `clamp(rttTolerance × long / short, 0.5, 1)` scales the limit, `queueSize`
 * lets it grow while latency holds, and `smoothing` says how much of the new
 * estimate is taken each window. When the long average is more than twice the
 * window's, it is pulled down by 5 % so that recovery after a long overload
 * does not wait for the average. No growth while under half the limit is used.
 */
export class Gradient2Limit implements LimitAlgorithm {
  /** The estimate keeps its fraction between windows: growth of 0.8 a window would be lost to rounding. */
  private estimate: number;
  private readonly longRtt: ExpAverage;
  private readonly settings: Gradient2Settings;
  private readonly bounds: LimitBounds;

  constructor(settings: Gradient2Settings, bounds: LimitBounds) {
    this.settings = settings;
    this.bounds = bounds;
    this.estimate = bounds.initialLimit;
    this.longRtt = new ExpAverage(settings.longWindow, LONG_RTT_WARMUP);
  }

  update(window: LimitWindow, limit: number): number {
    // The limit was set from elsewhere (clamped, or moved by hand): start from it.
    if (Math.floor(this.estimate) !== limit) this.estimate = limit;
    const shortRtt = window.rtt;
    if (!(shortRtt > 0)) return limit;
    const { smoothing, rttTolerance, queueSize } = this.settings;
    const longRtt = this.longRtt.add(shortRtt);
    if (longRtt / shortRtt > 2) this.longRtt.value = longRtt * 0.95;
    // Do not grow while the caller is not using the limit.
    if (window.inFlight < this.estimate / 2) return Math.floor(this.estimate);
    const gradient = clamp((rttTolerance * longRtt) / shortRtt, 0.5, 1);
    const target = this.estimate * gradient + queueSize;
    const next = this.estimate * (1 - smoothing) + target * smoothing;
    this.estimate = clamp(next, this.bounds.minLimit, this.bounds.maxLimit);
    return Math.floor(this.estimate);
  }
}
