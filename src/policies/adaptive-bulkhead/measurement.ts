/**
 * An exponential moving average over about `window` values, whose first
 * `warmup` values are averaged plainly (concurrency-limits' ExpAvgMeasurement),
 * so a long baseline starts from what was seen instead of from zero.
 */
export class ExpAverage {
  value = 0;
  private count = 0;
  private sum = 0;
  private readonly factor: number;
  private readonly warmup: number;

  constructor(window: number, warmup: number) {
    this.factor = 2 / (window + 1);
    this.warmup = warmup;
  }

  add(sample: number): number {
    if (this.count < this.warmup) {
      this.count++;
      this.sum += sample;
      this.value = this.sum / this.count;
    } else {
      this.value = this.value * (1 - this.factor) + sample * this.factor;
    }
    return this.value;
  }
}
