/**
 * A token bucket refilled lazily from the time it is given: no timers.
 *
 * Tokens are counted in units of `1 / perMs` so that with whole-millisecond
 * times every step is exact: one token is `perMs` units, each millisecond
 * adds `limit` units, and the bucket holds `burst × perMs` units.
 */
export class TokenBucket {
  private readonly limit: number;
  private readonly perMs: number;
  private readonly capacity: number;
  private units: number;
  private last: number;

  constructor(limit: number, perMs: number, burst: number, now: number) {
    this.limit = limit;
    this.perMs = perMs;
    this.capacity = burst * perMs;
    this.units = this.capacity;
    this.last = now;
  }

  /** Takes a token at `now`: returns 0 when one was taken, else the milliseconds until one will be there. */
  take(now: number): number {
    this.refill(now);
    const perMs = this.perMs;
    if (this.units >= perMs) {
      this.units -= perMs;
      return 0;
    }
    return (perMs - this.units) / this.limit;
  }

  /** Whole tokens available at `now`. */
  available(now: number): number {
    this.refill(now);
    return Math.floor(this.units / this.perMs);
  }

  private refill(now: number): void {
    const elapsed = now - this.last;
    if (!(elapsed > 0)) return; // a clock that stood still (or stepped back) adds nothing
    this.last = now;
    const units = this.units + elapsed * this.limit;
    this.units = units < this.capacity ? units : this.capacity;
  }
}
