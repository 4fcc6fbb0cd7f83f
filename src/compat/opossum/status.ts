/**
 * opossum's rolling statistics window, kept in the shim as DESIGN "Migration"
 * says: buckets rotated by an interval timer (unref'd, cleared by
 * `shutdown()`), or by a user's `rotateBucketController` emitting `rotate`.
 */
import { EventEmitter } from 'eventemitter3';

/** Lets the process exit while the timer waits, where the platform can. */
function unref(timer: unknown): void {
  (timer as { unref?: () => void }).unref?.();
}

/** The percentiles opossum reports, in its order. */
const PERCENTILES = [0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 1] as const;

/** The counters of one bucket, as opossum names them. */
export interface BucketCounts {
  failures: number;
  fallbacks: number;
  successes: number;
  rejects: number;
  fires: number;
  timeouts: number;
  cacheHits: number;
  cacheMisses: number;
  coalesceCacheHits: number;
  coalesceCacheMisses: number;
  semaphoreRejections: number;
}

/** One bucket of the rolling window. */
export interface Bucket extends BucketCounts {
  percentiles: Record<number, number>;
  latencyTimes: number[];
  isCircuitBreakerOpen?: boolean;
}

/** The window's totals, with latency mean and percentiles (-1 when percentiles are off). */
export interface Stats extends BucketCounts {
  percentiles: Record<number, number>;
  latencyTimes: number[];
  latencyMean: number;
}

/** What rotates the window when given: any emitter of `rotate` events (Node's EventEmitter, for one). */
export interface RotateBucketController {
  on(event: 'rotate', listener: () => void): unknown;
  removeListener(event: 'rotate', listener: () => void): unknown;
  listeners(event: 'rotate'): readonly unknown[];
}

/** The options `Status` reads; a subset of the breaker's. */
export interface StatusOptions {
  rollingCountBuckets?: number;
  rollingCountTimeout?: number;
  rollingPercentilesEnabled?: boolean;
  enableSnapshots?: boolean;
  rotateBucketController?: RotateBucketController;
  stats?: Partial<Stats>;
}

const COUNTERS: readonly (keyof BucketCounts)[] = [
  'failures',
  'fallbacks',
  'successes',
  'rejects',
  'fires',
  'timeouts',
  'cacheHits',
  'cacheMisses',
  'coalesceCacheHits',
  'coalesceCacheMisses',
  'semaphoreRejections',
];

function emptyBucket(): Bucket {
  return {
    failures: 0,
    fallbacks: 0,
    successes: 0,
    rejects: 0,
    fires: 0,
    timeouts: 0,
    cacheHits: 0,
    cacheMisses: 0,
    coalesceCacheHits: 0,
    coalesceCacheMisses: 0,
    semaphoreRejections: 0,
    percentiles: {},
    latencyTimes: [],
  };
}

/** The value at `p` of sorted `values`, the way opossum picks it (nearest rank). */
function percentileOf(p: number, sorted: readonly number[]): number {
  if (p === 0) return sorted[0] ?? 0;
  return sorted[Math.ceil(p * sorted.length) - 1] ?? 0;
}

/**
 * The rolling window of a breaker's counts; emits `snapshot` with `stats` every bucket interval.
 *
 * @example
 * const status = CircuitBreaker.newStatus({ rollingCountTimeout: 1000, rollingCountBuckets: 10 });
 */
export class Status extends EventEmitter {
  /** Whether latency percentiles are computed; when false they read -1. @defaultValue true */
  readonly rollingPercentilesEnabled: boolean;
  /** Whether `snapshot` events are emitted. @defaultValue true */
  readonly enableSnapshots: boolean;
  /** The emitter whose `rotate` events rotate the buckets instead of a timer, if any. */
  readonly rotateBucketController: RotateBucketController | undefined;
  /** Moves the window on by one bucket (the newest first). */
  readonly rotateBucket: () => void;
  private readonly buckets: Bucket[];
  private rotateTimer: ReturnType<typeof setInterval> | undefined;
  private snapshotTimer: ReturnType<typeof setInterval> | undefined;

  constructor(options: StatusOptions = {}) {
    super();
    const count = options.rollingCountBuckets || 10;
    const span = options.rollingCountTimeout || 10_000;
    this.buckets = [];
    for (let i = 0; i < count; i++) this.buckets.push(emptyBucket());
    this.rollingPercentilesEnabled = options.rollingPercentilesEnabled !== false;
    this.enableSnapshots = options.enableSnapshots !== false;
    this.rotateBucketController = options.rotateBucketController;
    this.rotateBucket = () => {
      this.buckets.pop();
      this.buckets.unshift(emptyBucket());
    };
    const interval = Math.floor(span / count);
    if (this.rotateBucketController) {
      this.startListeneningForRotateEvent();
    } else {
      this.rotateTimer = setInterval(this.rotateBucket, interval);
      unref(this.rotateTimer);
    }
    if (this.enableSnapshots) {
      this.snapshotTimer = setInterval(() => this.emit('snapshot', this.stats), interval);
      unref(this.snapshotTimer);
    }
    if (options.stats) this.buckets[0] = { ...emptyBucket(), ...options.stats };
  }

  /** The totals over the window. */
  get stats(): Stats {
    const totals: Stats = { ...emptyBucket(), latencyMean: 0 };
    const latencies: number[] = [];
    for (const b of this.buckets) {
      for (const key of COUNTERS) totals[key] += b[key] || 0;
      if (this.rollingPercentilesEnabled && b.latencyTimes) for (const t of b.latencyTimes) latencies.push(t);
    }
    if (this.rollingPercentilesEnabled) {
      latencies.sort((a, b) => a - b);
      let sum = 0;
      for (const t of latencies) sum += t;
      totals.latencyTimes = latencies;
      totals.latencyMean = latencies.length > 0 ? sum / latencies.length : 0;
      for (const p of PERCENTILES) totals.percentiles[p] = percentileOf(p, latencies);
    } else {
      totals.latencyMean = -1;
      for (const p of PERCENTILES) totals.percentiles[p] = -1;
    }
    return totals;
  }

  /** The buckets, newest first (a copy of the array). */
  get window(): Bucket[] {
    return this.buckets.slice();
  }

  /** Sum of one counter over the window, without building the latency figures. */
  total(key: keyof BucketCounts): number {
    let sum = 0;
    for (const b of this.buckets) sum += b[key] || 0;
    return sum;
  }

  /** Adds one to a counter of the newest bucket (and the latency for outcomes). */
  increment(property: keyof BucketCounts, latencyRunTime?: number): void {
    const b = this.buckets[0];
    if (b === undefined) return;
    b[property]++;
    if (property === 'successes' || property === 'failures' || property === 'timeouts')
      b.latencyTimes.push(latencyRunTime || 0);
  }

  /** Marks the newest bucket as open. */
  open(): void {
    const b = this.buckets[0];
    if (b) b.isCircuitBreakerOpen = true;
  }

  /** Marks the newest bucket as closed. */
  close(): void {
    const b = this.buckets[0];
    if (b) b.isCircuitBreakerOpen = false;
  }

  /** Stops both timers and removes every listener. */
  shutdown(): void {
    this.removeAllListeners();
    if (this.rotateTimer !== undefined) clearInterval(this.rotateTimer);
    this.rotateTimer = undefined;
    this.removeRotateBucketControllerListener();
    if (this.snapshotTimer !== undefined) clearInterval(this.snapshotTimer);
    this.snapshotTimer = undefined;
  }

  /** Stops listening to the controller's `rotate` events. */
  removeRotateBucketControllerListener(): void {
    this.rotateBucketController?.removeListener('rotate', this.rotateBucket);
  }

  /** Listens to the controller's `rotate` events (once). The peer's spelling is kept. */
  startListeneningForRotateEvent(): void {
    const c = this.rotateBucketController;
    if (c && c.listeners('rotate').indexOf(this.rotateBucket) === -1) c.on('rotate', this.rotateBucket);
  }
}
