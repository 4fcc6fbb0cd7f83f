import type { LimitAlgorithm, LimitWindow } from './algorithm.js';

/**
 * Loss-based: additive increase, multiplicative decrease (concurrency-limits'
 * AIMDLimit). A window with a drop, or whose average RTT is above `timeout`,
 * takes the limit to `floor(limit × backoffRatio)` (at least one less, at
 * least 1); otherwise the limit grows by one when at least half of it was in
 * use, and stays when the caller did not need it (no upward drift while idle).
 */
export class AimdLimit implements LimitAlgorithm {
  private readonly backoffRatio: number;
  private readonly timeout: number;

  constructor(backoffRatio: number, timeout: number) {
    this.backoffRatio = backoffRatio;
    this.timeout = timeout;
  }

  update(window: LimitWindow, limit: number): number {
    if (window.didDrop || window.rtt > this.timeout) {
      return Math.max(1, Math.min(limit - 1, Math.floor(limit * this.backoffRatio)));
    }
    return window.inFlight * 2 >= limit ? limit + 1 : limit;
  }
}
