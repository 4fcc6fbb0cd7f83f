/**
 * Health windows: what the breaker remembers about recent calls. Each costs
 * O(1) per call (amortised; never more than O(buckets)) and O(size or buckets)
 * memory, whatever the traffic. No samples, no sorting, no timers.
 */
import type { CircuitBreakerStats } from './events.js';

/** Why a window asks the breaker to open. */
export type TripReason = 'failureRate' | 'slowCallRate' | 'consecutiveFailures';

/** A window's content in a snapshot (JSON-serialisable, times relative). */
export type WindowSnapshot =
  | { readonly kind: 'consecutive'; readonly failures: number }
  | {
      readonly kind: 'count';
      readonly size: number;
      /** Oldest first, one digit per call: bit 0 failure, bit 1 slow. */
      readonly outcomes: string;
    }
  | {
      readonly kind: 'time';
      readonly ms: number;
      readonly buckets: number;
      /** Non-empty buckets, oldest first: `[age in buckets, calls, failures, slowCalls]`. */
      readonly data: readonly (readonly [number, number, number, number])[];
    };

/** The thresholds of a rate window. */
export interface RateRule {
  readonly failureRate: number;
  readonly minimumCalls: number;
  /** `Infinity` when slow calls are not watched. */
  readonly slowCallRate: number;
}

/** What every window does. */
export interface HealthWindow {
  /** Records one counted call that settled at `now`. */
  record(now: number, failed: boolean, slow: boolean): void;
  /** After a `record`: the reason to open, if the window says so. */
  verdict(): TripReason | undefined;
  stats(now: number): CircuitBreakerStats;
  clear(): void;
  snapshot(now: number): WindowSnapshot;
  /** Loads a validated snapshot; false (window left empty) when its shape differs from this window's. */
  restore(snapshot: WindowSnapshot, now: number): boolean;
}

function makeStats(calls: number, failures: number, slowCalls: number): CircuitBreakerStats {
  return {
    calls,
    failures,
    slowCalls,
    failureRate: calls === 0 ? 0 : failures / calls,
    slowCallRate: calls === 0 ? 0 : slowCalls / calls,
  };
}

function rateVerdict(rule: RateRule, calls: number, failures: number, slowCalls: number): TripReason | undefined {
  if (calls < rule.minimumCalls || calls === 0) return undefined;
  if (failures / calls >= rule.failureRate) return 'failureRate';
  if (slowCalls / calls >= rule.slowCallRate) return 'slowCallRate';
  return undefined;
}

/** Failures in a row. */
export class ConsecutiveHealth implements HealthWindow {
  private run = 0;
  private readonly threshold: number;

  constructor(failures: number) {
    this.threshold = failures;
  }

  record(_now: number, failed: boolean): void {
    this.run = failed ? this.run + 1 : 0;
  }

  verdict(): TripReason | undefined {
    return this.run >= this.threshold ? 'consecutiveFailures' : undefined;
  }

  stats(): CircuitBreakerStats {
    return makeStats(this.run, this.run, 0);
  }

  clear(): void {
    this.run = 0;
  }

  snapshot(): WindowSnapshot {
    return { kind: 'consecutive', failures: this.run };
  }

  restore(snapshot: WindowSnapshot): boolean {
    if (snapshot.kind !== 'consecutive') return false;
    this.run = snapshot.failures;
    return true;
  }
}

const FAILED = 1;
const SLOW = 2;

/** A ring of the last `size` outcomes, one byte each, with running totals. */
export class CountHealth implements HealthWindow {
  private readonly ring: Uint8Array;
  private readonly rule: RateRule;
  private next = 0;
  private filled = 0;
  private failures = 0;
  private slowCalls = 0;

  constructor(size: number, rule: RateRule) {
    this.ring = new Uint8Array(size);
    this.rule = rule;
  }

  record(_now: number, failed: boolean, slow: boolean): void {
    const ring = this.ring;
    const i = this.next;
    if (this.filled === ring.length) {
      const old = ring[i] as number;
      this.failures -= old & FAILED;
      this.slowCalls -= (old & SLOW) >> 1;
    } else {
      this.filled++;
    }
    ring[i] = (failed ? FAILED : 0) | (slow ? SLOW : 0);
    if (failed) this.failures++;
    if (slow) this.slowCalls++;
    this.next = i + 1 === ring.length ? 0 : i + 1;
  }

  verdict(): TripReason | undefined {
    return rateVerdict(this.rule, this.filled, this.failures, this.slowCalls);
  }

  stats(): CircuitBreakerStats {
    return makeStats(this.filled, this.failures, this.slowCalls);
  }

  clear(): void {
    this.next = 0;
    this.filled = 0;
    this.failures = 0;
    this.slowCalls = 0;
  }

  snapshot(): WindowSnapshot {
    const ring = this.ring;
    let outcomes = '';
    const start = this.filled === ring.length ? this.next : 0;
    for (let k = 0; k < this.filled; k++) outcomes += String(ring[(start + k) % ring.length]);
    return { kind: 'count', size: ring.length, outcomes };
  }

  restore(snapshot: WindowSnapshot): boolean {
    if (snapshot.kind !== 'count' || snapshot.size !== this.ring.length) return false;
    this.clear();
    for (let k = 0; k < snapshot.outcomes.length; k++) {
      const code = snapshot.outcomes.charCodeAt(k) - 48;
      this.record(0, (code & FAILED) !== 0, (code & SLOW) !== 0);
    }
    return true;
  }
}

/**
 * The last `ms` milliseconds in `buckets` buckets of `ms / buckets` each.
 * Only non-empty buckets are kept, in a ring ordered by bucket number, so
 * expiring old ones costs O(1) per bucket that ever held a call, and a clock
 * jump far past the window costs at most O(buckets) once.
 */
export class TimeHealth implements HealthWindow {
  private readonly ms: number;
  private readonly count: number;
  private readonly width: number;
  private readonly rule: RateRule;
  /** Bucket number (`floor(now / width)`) of each kept bucket. */
  private readonly epochs: Float64Array;
  private readonly bucketCalls: Float64Array;
  private readonly bucketFailures: Float64Array;
  private readonly bucketSlow: Float64Array;
  /** Ring position of the oldest kept bucket, and how many are kept. */
  private head = 0;
  private kept = 0;
  private calls = 0;
  private failures = 0;
  private slowCalls = 0;
  /** The bucket number and ring position the last call went to (NaN: look again). */
  private lastEpoch = NaN;
  private lastSlot = 0;

  constructor(ms: number, buckets: number, rule: RateRule) {
    this.ms = ms;
    this.count = buckets;
    this.width = ms / buckets;
    this.rule = rule;
    this.epochs = new Float64Array(buckets);
    this.bucketCalls = new Float64Array(buckets);
    this.bucketFailures = new Float64Array(buckets);
    this.bucketSlow = new Float64Array(buckets);
  }

  /** Drops buckets that fell out of the window at bucket number `epoch`. */
  private expire(epoch: number): void {
    const oldestLive = epoch - this.count + 1;
    const n = this.count;
    while (this.kept > 0 && (this.epochs[this.head] as number) < oldestLive) {
      const h = this.head;
      this.lastEpoch = NaN;
      this.calls -= this.bucketCalls[h] as number;
      this.failures -= this.bucketFailures[h] as number;
      this.slowCalls -= this.bucketSlow[h] as number;
      this.head = h + 1 === n ? 0 : h + 1;
      this.kept--;
    }
  }

  record(now: number, failed: boolean, slow: boolean): void {
    const epoch = Math.floor(now / this.width);
    // Most calls land in the same bucket as the one before: nothing to expire or open.
    const slot = epoch === this.lastEpoch ? this.lastSlot : this.slotFor(epoch);
    this.bucketCalls[slot] = (this.bucketCalls[slot] as number) + 1;
    this.calls++;
    if (failed) {
      this.bucketFailures[slot] = (this.bucketFailures[slot] as number) + 1;
      this.failures++;
    }
    if (slow) {
      this.bucketSlow[slot] = (this.bucketSlow[slot] as number) + 1;
      this.slowCalls++;
    }
  }

  /** Expires what fell out of the window and returns the ring position of bucket `epoch`. */
  private slotFor(epoch: number): number {
    this.expire(epoch);
    const n = this.count;
    let last = this.head + this.kept - 1;
    if (last >= n) last -= n;
    // A clock that steps back lands in the newest bucket.
    if (this.kept === 0 || (this.epochs[last] as number) < epoch) {
      last = last + 1 === n ? 0 : last + 1;
      if (this.kept === 0) last = this.head;
      this.epochs[last] = epoch;
      this.bucketCalls[last] = 0;
      this.bucketFailures[last] = 0;
      this.bucketSlow[last] = 0;
      this.kept++;
    }
    this.lastEpoch = this.epochs[last] as number;
    this.lastSlot = last;
    return last;
  }

  verdict(): TripReason | undefined {
    return rateVerdict(this.rule, this.calls, this.failures, this.slowCalls);
  }

  stats(now: number): CircuitBreakerStats {
    this.expire(Math.floor(now / this.width));
    return makeStats(this.calls, this.failures, this.slowCalls);
  }

  clear(): void {
    this.lastEpoch = NaN;
    this.head = 0;
    this.kept = 0;
    this.calls = 0;
    this.failures = 0;
    this.slowCalls = 0;
  }

  snapshot(now: number): WindowSnapshot {
    const epoch = Math.floor(now / this.width);
    this.expire(epoch);
    const data: [number, number, number, number][] = [];
    for (let k = 0; k < this.kept; k++) {
      const i = (this.head + k) % this.count;
      const age = Math.max(0, epoch - (this.epochs[i] as number));
      data.push([age, this.bucketCalls[i] as number, this.bucketFailures[i] as number, this.bucketSlow[i] as number]);
    }
    return { kind: 'time', ms: this.ms, buckets: this.count, data };
  }

  restore(snapshot: WindowSnapshot, now: number): boolean {
    if (snapshot.kind !== 'time' || snapshot.ms !== this.ms || snapshot.buckets !== this.count) return false;
    this.clear();
    const epoch = Math.floor(now / this.width);
    for (const [age, calls, failures, slowCalls] of snapshot.data) {
      const i = this.kept;
      this.epochs[i] = epoch - age;
      this.bucketCalls[i] = calls;
      this.bucketFailures[i] = failures;
      this.bucketSlow[i] = slowCalls;
      this.kept++;
      this.calls += calls;
      this.failures += failures;
      this.slowCalls += slowCalls;
    }
    return true;
  }
}
