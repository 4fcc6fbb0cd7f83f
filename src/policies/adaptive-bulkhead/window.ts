import { clamp, type LimitWindow } from './algorithm.js';

/** The sampling window's settings, validated. */
export interface WindowSettings {
  readonly minMs: number;
  readonly maxMs: number;
  readonly minSamples: number;
  readonly minRttMs: number;
}

/**
 * Collects samples into windows (concurrency-limits' windowed limit with an
 * average window). A window ends on the first sample that settles after its
 * end time; it lasts twice its shortest RTT, kept in `[minMs, maxMs]`. A window
 * with fewer than `minSamples` samples is thrown away. A sample faster than
 * `minRttMs` is ignored unless it dropped: a drop counts (a rejection from
 * inside can be very fast), but its RTT stays out of the averages. Plain data
 * and arithmetic: no timer, no clock of its own.
 */
export class SamplingWindow {
  private readonly settings: WindowSettings;
  /** NaN until the first sample opens the first window. */
  private endsAt = Number.NaN;
  private samples = 0;
  private timed = 0;
  private rttSum = 0;
  private minRtt = Infinity;
  private maxInFlight = 0;
  private didDrop = false;

  constructor(settings: WindowSettings) {
    this.settings = settings;
  }

  /**
   * Adds one sample that settled at `end`. Returns what the window saw when
   * this sample ended a window with enough samples, else `undefined`.
   */
  add(end: number, rtt: number, inFlight: number, dropped: boolean): LimitWindow | undefined {
    const timed = rtt >= this.settings.minRttMs;
    if (!timed && !dropped) return undefined;
    this.samples++;
    if (timed) {
      this.timed++;
      this.rttSum += rtt;
      if (rtt < this.minRtt) this.minRtt = rtt;
    }
    if (inFlight > this.maxInFlight) this.maxInFlight = inFlight;
    if (dropped) this.didDrop = true;
    if (Number.isNaN(this.endsAt)) {
      this.endsAt = end + this.length();
      return undefined;
    }
    if (!(end > this.endsAt)) return undefined;
    const seen: LimitWindow | undefined =
      this.samples >= this.settings.minSamples
        ? Object.freeze({
            rtt: this.timed === 0 ? 0 : this.rttSum / this.timed,
            minRtt: this.timed === 0 ? 0 : this.minRtt,
            inFlight: this.maxInFlight,
            samples: this.samples,
            didDrop: this.didDrop,
            at: end,
          })
        : undefined;
    this.endsAt = end + this.length();
    this.samples = 0;
    this.timed = 0;
    this.rttSum = 0;
    this.minRtt = Infinity;
    this.maxInFlight = 0;
    this.didDrop = false;
    return seen;
  }

  /** How long the next window lasts: twice the shortest RTT seen, within `[minMs, maxMs]`. */
  private length(): number {
    return clamp(this.minRtt * 2, this.settings.minMs, this.settings.maxMs);
  }
}
