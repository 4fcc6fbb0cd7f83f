import pLimit, { type LimitFunction } from 'p-limit';
import type { CallContext } from '../../core/context.js';
import { BulkheadRejectedError } from '../../core/errors.js';
import { invoke, PolicyBase, type PolicyFunction, RUN } from '../../core/policy.js';
import { promiseFor } from '../../core/settle-target.js';
import { type OptionNames, integerAtLeast, optionsObject, positiveFinite } from '../../core/validate.js';
import { BULKHEAD_KIND, DEFAULT_MAX_QUEUE, MAX_QUEUE_TIMEOUT_MS } from './constants.js';
import type { BulkheadEvents } from './events.js';
import type { BulkheadOptions } from './options.js';
import { CANCELLED, QUEUED, STARTED, Waiter, type WaiterOwner } from './waiter.js';

/**
 * What p-limit runs for a queued call: the call's turn has come in FIFO
 * order. Module-level so that queueing a call makes no closure.
 */
function admitQueued(waiter: Waiter, policy: BulkheadPolicy): Promise<unknown> | undefined {
  return policy.admit(waiter);
}

/**
 * What p-limit runs for a queued call that can never leave the queue (no
 * signal, no enclosing timeout, no `queueTimeout`): p-limit's own promise is
 * the caller's, so such a call costs no waiter and no promise of ours.
 */
function admitSteadfast(fn: PolicyFunction<unknown>, ctx: CallContext, policy: BulkheadPolicy, queuedAt: number): Promise<unknown> {
  return policy.admitSteadfast(fn, ctx, queuedAt);
}

/**
 * A policy that caps how many calls run at once and how many may wait.
 * Made by {@link bulkhead}.
 *
 * @remarks
 * p-limit holds the FIFO queue and drains it. The bulkhead keeps its own slot
 * count so that an uncontended call skips the queue (never overtaking a queued
 * one), and a queued call that aborts or times out gives its place back at
 * once; p-limit later passes over what it left behind. See
 * docs/decisions/0002-bulkhead-on-p-limit.md.
 */
export class BulkheadPolicy extends PolicyBase<BulkheadEvents> implements WaiterOwner {
  declare readonly kind: 'bulkhead';
  /** How many calls may run at once. */
  readonly maxConcurrent: number;
  /** How many more calls may wait for a slot. */
  readonly maxQueue: number;
  /** How long a call may wait in the queue (ms); `undefined` for no limit. */
  readonly queueTimeout: number | undefined;

  private activeCount = 0;
  private queuedCount = 0;
  /**
   * Queued calls that p-limit has reached while every slot was taken by a call
   * that skipped the queue. At most `maxConcurrent` long; FIFO.
   */
  private readonly parked: Waiter[] = [];
  private readonly limit: LimitFunction;
  /** Frees a slot, or hands it straight to the first parked call. Made once. */
  private readonly release: () => void;

  constructor(options: Partial<BulkheadOptions>) {
    super(BULKHEAD_KIND, options);
    this.maxConcurrent = integerAtLeast(BULKHEAD_KIND, 'maxConcurrent', options.maxConcurrent, 1, true);
    this.maxQueue =
      options.maxQueue === undefined ? DEFAULT_MAX_QUEUE : integerAtLeast(BULKHEAD_KIND, 'maxQueue', options.maxQueue, 0, true);
    if (options.queueTimeout === undefined) {
      this.queueTimeout = undefined;
    } else {
      const ms = positiveFinite(BULKHEAD_KIND, 'queueTimeout', options.queueTimeout);
      if (ms > MAX_QUEUE_TIMEOUT_MS) {
        throw new RangeError(
          `${BULKHEAD_KIND}: queueTimeout must be at most ${MAX_QUEUE_TIMEOUT_MS} (about 24.8 days), got ${ms}`,
        );
      }
      this.queueTimeout = ms;
    }
    this.limit = pLimit(this.maxConcurrent);
    this.release = (): void => {
      const next = this.parked.shift();
      if (next === undefined) this.activeCount--;
      else (next.unpark as (done: Promise<unknown> | undefined) => void)(this.start(next));
    };
  }

  /** How many calls are running now. */
  get active(): number {
    return this.activeCount;
  }

  /** How many calls are waiting for a slot now. */
  get queued(): number {
    return this.queuedCount;
  }

  /** @internal */
  [RUN]<T>(fn: PolicyFunction<T>, ctx: CallContext): Promise<Awaited<T>> {
    if (ctx.scope.aborted) return Promise.reject(ctx.scope.reason);
    if (this.activeCount < this.maxConcurrent && this.queuedCount === 0) {
      // Uncontended: a free slot and nobody waiting, so running now overtakes no one.
      this.activeCount++;
      const running = invoke(fn, ctx);
      running.then(this.release, this.release);
      return running;
    }
    if (this.queuedCount >= this.maxQueue) {
      const error = new BulkheadRejectedError('full');
      this.emitEvent('rejected', ctx, { reason: 'full' });
      return Promise.reject(error);
    }
    if (this.queueTimeout === undefined && !ctx.scope.canAbort) {
      this.queuedCount++;
      return this.limit(admitSteadfast, fn as PolicyFunction<unknown>, ctx, this, this.clock.now()) as Promise<Awaited<T>>;
    }
    const waiter = new Waiter(this, fn as PolicyFunction<unknown>, ctx, this.clock.now());
    const result = promiseFor<Awaited<T>>(waiter);
    this.queuedCount++;
    ctx.scope.subscribe(waiter);
    if (this.queueTimeout !== undefined) {
      waiter.timer = this.clock.setTimeout(() => this.cancel(waiter, undefined, true), this.queueTimeout);
    }
    void this.limit(admitQueued, waiter, this);
    return result;
  }

  /**
   * p-limit reached `waiter`. Returns what p-limit should wait on before it
   * starts the next queued call: nothing for a call that already left.
   * @internal
   */
  admit(waiter: Waiter): Promise<unknown> | undefined {
    if (waiter.state !== QUEUED) return undefined;
    if (this.activeCount < this.maxConcurrent) {
      this.activeCount++;
      return this.start(waiter);
    }
    return this.park(waiter);
  }

  /**
   * p-limit reached a call that cannot leave the queue. Returns the call's own
   * promise, which p-limit hands to the caller.
   * @internal
   */
  admitSteadfast(fn: PolicyFunction<unknown>, ctx: CallContext, queuedAt: number): Promise<unknown> {
    if (this.activeCount < this.maxConcurrent) {
      this.activeCount++;
      this.queuedCount--;
      this.emitDequeued(ctx, queuedAt);
      const running = invoke(fn, ctx);
      running.then(this.release, this.release);
      return running;
    }
    return this.park(new Waiter(this, fn, ctx, queuedAt));
  }

  /**
   * Every slot is held by a call that skipped the queue: `waiter` waits at the
   * head, and the next release hands it that slot. p-limit waits on the result.
   */
  private park(waiter: Waiter): Promise<unknown> {
    return new Promise<unknown>((unpark) => {
      waiter.unpark = unpark;
      this.parked.push(waiter);
    });
  }

  /**
   * Runs a queued call in a slot it already holds. For a call with its own
   * promise, returns a promise that fulfils when the call settles; for a call
   * whose caller holds p-limit's promise, returns the call's promise.
   */
  private start(waiter: Waiter): Promise<unknown> {
    this.queuedCount--;
    waiter.state = STARTED;
    this.removeWaitListeners(waiter);
    this.emitDequeued(waiter.ctx, waiter.queuedAt);
    const running = invoke(waiter.fn as PolicyFunction<unknown>, waiter.ctx);
    waiter.fn = undefined;
    if (waiter.resolve === undefined) {
      running.then(this.release, this.release);
      return running;
    }
    running.then(waiter.resolve, waiter.reject);
    waiter.resolve = undefined;
    waiter.reject = undefined;
    return running.then(this.release, this.release);
  }

  /**
   * A queued call leaves: its scope aborted or its queue time ran out. Its
   * place is free at once; a slot it never took is never released.
   * @internal
   */
  cancel(waiter: Waiter, reason: unknown, timedOut: boolean): void {
    if (waiter.state !== QUEUED) return;
    waiter.state = CANCELLED;
    this.queuedCount--;
    if (timedOut) waiter.timer = undefined;
    this.removeWaitListeners(waiter);
    const unpark = waiter.unpark;
    if (unpark !== undefined) {
      const i = this.parked.indexOf(waiter);
      if (i !== -1) this.parked.splice(i, 1);
      unpark(undefined);
    }
    const reject = waiter.reject as (error: unknown) => void;
    waiter.fn = undefined;
    waiter.resolve = undefined;
    waiter.reject = undefined;
    waiter.unpark = undefined;
    if (timedOut) {
      reject(new BulkheadRejectedError('queueTimeout'));
      this.emitEvent('rejected', waiter.ctx, { reason: 'queueTimeout' });
    } else {
      reject(reason);
    }
  }

  /** A queued call starts: it waited since `queuedAt`. */
  private emitDequeued(ctx: CallContext, queuedAt: number): void {
    if (this.listens('dequeued')) this.emitEvent('dequeued', ctx, { waitedMs: this.clock.now() - queuedAt });
  }

  /** The one place a waiter's timer and abort subscription are removed. */
  private removeWaitListeners(waiter: Waiter): void {
    if (waiter.timer !== undefined) {
      this.clock.clearTimeout(waiter.timer);
      waiter.timer = undefined;
    }
    waiter.ctx.scope.unsubscribe(waiter);
  }
}


/** Every option name of BulkheadOptions; any other key is a TypeError. */
const BULKHEAD_OPTIONS: OptionNames<BulkheadOptions> = { maxConcurrent: true, maxQueue: true, queueTimeout: true, name: true, clock: true };

/**
 * Caps how many calls run at once (`maxConcurrent`) and how many wait in FIFO
 * order (`maxQueue`, default 0). Beyond that a call is rejected at once with
 * `BulkheadRejectedError` `{ reason: 'full' }`; a call queued longer than
 * `queueTimeout` is rejected with `{ reason: 'queueTimeout' }`.
 *
 * @remarks
 * Gotchas: a place is freed when the function settles, not when the caller
 * stops waiting: an aggressive timeout outside the bulkhead does not free it,
 * because the dependency is still busy. A queued call whose signal aborts
 * leaves the queue at once and never runs.
 *
 * @example
 * ```ts
 * const pool = bulkhead({ maxConcurrent: 10, maxQueue: 100, queueTimeout: 1_000 });
 * const res = await pool.execute(({ signal }) => fetch(url, { signal }));
 * ```
 */
export function bulkhead(options: BulkheadOptions): BulkheadPolicy {
  return new BulkheadPolicy(optionsObject<BulkheadOptions>(BULKHEAD_KIND, options, BULKHEAD_OPTIONS));
}

export type { BulkheadEvents } from './events.js';
export type { BulkheadOptions } from './options.js';
export { DEFAULT_MAX_QUEUE } from './constants.js';
