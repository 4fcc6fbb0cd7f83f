import type { Clock } from '../core/clock.js';

class Timer {
  readonly owner: VirtualClock;
  readonly due: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled = false;

  constructor(owner: VirtualClock, due: number, seq: number, fn: () => void) {
    this.owner = owner;
    this.due = due;
    this.seq = seq;
    this.fn = fn;
  }
}

/** Resolves after every queued promise callback has run (one macrotask turn). */
function drainPromiseCallbacks(): Promise<void> {
  const g = globalThis as { setImmediate?: (fn: () => void) => unknown };
  return new Promise((resolve) => {
    if (g.setImmediate !== undefined) g.setImmediate(resolve);
    else setTimeout(resolve, 0);
  });
}

function earlier(a: Timer, b: Timer): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}

/**
 * A clock that moves only when told to. Timers run in time order (ties in the
 * order they were set), and promise callbacks run between them, so a whole
 * pipeline of policies runs deterministically.
 *
 * @example
 * ```ts
 * const clock = new VirtualClock();
 * const p = timeout(1_000, { clock }).execute(() => new Promise(() => {}));
 * await clock.advance(1_000); // p is now rejected with TimeoutError
 * ```
 */
export class VirtualClock implements Clock {
  private current: number;
  private seq = 0;
  private live = 0;
  /** A binary min-heap on (due, seq); cancelled timers are dropped lazily. */
  private heap: Timer[] = [];

  /** @param start - the time the clock reads first, in milliseconds. @defaultValue 0 */
  constructor(start = 0) {
    if (typeof start !== 'number' || !Number.isFinite(start)) {
      throw new RangeError(`VirtualClock: start must be a finite number, got ${String(start)}`);
    }
    this.current = start;
  }

  /** The current virtual time in milliseconds. */
  now(): number {
    return this.current;
  }

  /** Schedules `fn` at `now() + ms` (a negative or NaN delay counts as 0). */
  setTimeout(fn: () => void, ms: number): unknown {
    const delay = ms > 0 ? ms : 0;
    const timer = new Timer(this, this.current + delay, this.seq++, fn);
    this.push(timer);
    this.live++;
    return timer;
  }

  /** Cancels a timer; unknown handles and timers already run are ignored. */
  clearTimeout(handle: unknown): void {
    if (!(handle instanceof Timer) || handle.owner !== this || handle.cancelled) return;
    handle.cancelled = true;
    this.live--;
  }

  /** How many timers are scheduled and not yet run or cleared. */
  get pending(): number {
    return this.live;
  }

  /**
   * Moves time forward by `ms`, running every timer that falls due on the way,
   * timers set during the advance included, and letting promise callbacks run
   * after each one.
   */
  async advance(ms: number): Promise<void> {
    if (typeof ms !== 'number' || !(ms >= 0) || !Number.isFinite(ms)) {
      throw new RangeError(`VirtualClock: advance(ms) needs a finite number >= 0, got ${String(ms)}`);
    }
    const target = this.current + ms;
    await drainPromiseCallbacks();
    for (;;) {
      const next = this.peek();
      if (next === undefined || next.due > target) break;
      this.runNext();
      await drainPromiseCallbacks();
    }
    this.current = target;
    await drainPromiseCallbacks();
  }

  /**
   * Runs timers until none is left, moving time to each one's due time.
   * Throws after `limit` timers, which catches a loop that keeps scheduling.
   */
  async runAll(limit = 100_000): Promise<void> {
    await drainPromiseCallbacks();
    for (let count = 0; this.peek() !== undefined; count++) {
      if (count >= limit) throw new Error(`VirtualClock: runAll ran ${limit} timers and more keep coming`);
      this.runNext();
      await drainPromiseCallbacks();
    }
  }

  private runNext(): void {
    const timer = this.pop();
    if (timer === undefined) return;
    if (timer.due > this.current) this.current = timer.due;
    timer.cancelled = true;
    this.live--;
    timer.fn();
  }

  private peek(): Timer | undefined {
    const heap = this.heap;
    while (heap.length > 0 && (heap[0] as Timer).cancelled) this.pop();
    return heap[0];
  }

  private push(timer: Timer): void {
    const heap = this.heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!earlier(timer, heap[parent] as Timer)) break;
      heap[i] = heap[parent] as Timer;
      i = parent;
    }
    heap[i] = timer;
  }

  private pop(): Timer | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    let i = 0;
    const n = heap.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && earlier(heap[r] as Timer, heap[l] as Timer) ? r : l;
      if (!earlier(heap[child] as Timer, last)) break;
      heap[i] = heap[child] as Timer;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}
