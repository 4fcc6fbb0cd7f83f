import { clamp, type LimitAlgorithm, type LimitBounds, type LimitWindow } from './algorithm.js';

/**
 * concurrency-limits' log10-root function: `max(1, floor(log10(n)))` below
 * 1,000, `floor(sqrt(n))` from there (the limit is an integer).
 */
export function log10Root(limit: number): number {
  const n = Math.floor(limit);
  return n < 1000 ? Math.max(1, Math.floor(Math.log10(n))) : Math.floor(Math.sqrt(n));
}

/** Settings of {@link VegasLimit}, validated. */
export interface VegasSettings {
  readonly smoothing: number;
  readonly probeMultiplier: number;
  readonly alpha: (limit: number) => number;
  readonly beta: (limit: number) => number;
}

/** Vegas's default `alpha`: `3 × log10Root(limit)`. */
export const vegasAlpha = (limit: number): number => 3 * log10Root(limit);
/** Vegas's default `beta`: `6 × log10Root(limit)`. */
export const vegasBeta = (limit: number): number => 6 * log10Root(limit);

/**
 * Delay-based, after TCP Vegas (concurrency-limits' VegasLimit). The queue in
 * front of the dependency is estimated as `ceil(limit × (1 − rttNoLoad / rtt))`
 * where `rttNoLoad` is the shortest window RTT seen. Below
 * `log10Root(limit)` the limit grows by `beta`, below `alpha` by
 * `log10Root(limit)`; above `beta` it shrinks by `log10Root(limit)`; a drop
 * always shrinks it. Every `probeMultiplier × limit × jitter` windows (jitter
 * drawn from `random` in [0.5, 1)) the window's RTT becomes the new
 * `rttNoLoad`, so that a dependency that got slower for good is re-measured.
 */
export class VegasLimit implements LimitAlgorithm {
  private estimate: number;
  /** 0 until the first timed window. */
  private rttNoLoad = 0;
  private probeCount = 0;
  private probeJitter: number;
  private readonly settings: VegasSettings;
  private readonly bounds: LimitBounds;
  private readonly random: () => number;

  constructor(settings: VegasSettings, bounds: LimitBounds, random: () => number) {
    this.settings = settings;
    this.bounds = bounds;
    this.random = random;
    this.estimate = bounds.initialLimit;
    this.probeJitter = this.drawJitter();
  }

  update(window: LimitWindow, limit: number): number {
    if (Math.floor(this.estimate) !== limit) this.estimate = limit;
    const rtt = window.rtt;
    if (!(rtt > 0)) {
      // Only drops too fast to time: nothing to learn about delay, but a drop still shrinks.
      return window.didDrop ? this.move(this.estimate - log10Root(this.estimate)) : limit;
    }
    this.probeCount++;
    if (this.probeJitter * this.settings.probeMultiplier * this.estimate <= this.probeCount) {
      this.probeJitter = this.drawJitter();
      this.probeCount = 0;
      this.rttNoLoad = rtt;
      return Math.floor(this.estimate);
    }
    if (this.rttNoLoad === 0 || rtt < this.rttNoLoad) {
      this.rttNoLoad = rtt;
      return Math.floor(this.estimate);
    }
    const estimate = this.estimate;
    const queue = Math.ceil(estimate * (1 - this.rttNoLoad / rtt));
    if (window.didDrop) return this.move(estimate - log10Root(estimate));
    // No upward drift while the caller is not near the limit.
    if (window.inFlight * 2 < estimate) return Math.floor(estimate);
    const alpha = this.settings.alpha(Math.floor(estimate));
    const beta = this.settings.beta(Math.floor(estimate));
    const threshold = log10Root(estimate);
    if (queue <= threshold) return this.move(estimate + beta);
    if (queue < alpha) return this.move(estimate + log10Root(estimate));
    if (queue > beta) return this.move(estimate - log10Root(estimate));
    return Math.floor(estimate);
  }

  /** Takes `smoothing` of the way to `target`, within the bounds. */
  private move(target: number): number {
    const bounded = clamp(target, this.bounds.minLimit, this.bounds.maxLimit);
    const { smoothing } = this.settings;
    this.estimate = (1 - smoothing) * this.estimate + smoothing * bounded;
    return Math.floor(this.estimate);
  }

  private drawJitter(): number {
    return 0.5 + 0.5 * this.random();
  }
}
