import pLimit, { type LimitFunction } from 'p-limit';
import type { CallContext } from '../context.js';
import { BulkheadRejectedError, type BulkheadRejectReason } from '../errors.js';
import { type CommonOptions, PolicyBase, type PolicyFunction, type PolicyKind, RUN } from '../policy.js';
import { promiseFor } from '../settle-target.js';
import { integerAtLeast, positiveFinite } from '../validate.js';
import { CANCELLED, QUEUED, STARTED, Waiter, type WaiterOwner } from './waiter.js';

/** By default no call waits: a call that finds every slot taken is rejected at once. */
export const DEFAULT_MAX_QUEUE = 0;
/** The longest delay the platform timers hold without overflowing (about 24.8 days). */
export const MAX_QUEUE_TIMEOUT_MS = 2_147_483_647;

/** The events every policy with slots and a queue emits (each payload also has the common fields). */
export interface AdmissionEvents {
  /** The policy refused a call: no place left, or it waited too long (`'queueTimeout'`). */
  rejected: { readonly reason: BulkheadRejectReason };
  /** A queued call got its slot and starts now, after waiting `waitedMs` (metrics build queue-wait histograms from it). */
  dequeued: { readonly waitedMs: number };
}

/** The queue options both bulkheads take, validated. */
export interface QueueSettings {
  readonly maxQueue: number;
  readonly queueTimeout: number | undefined;
}

/** Validates `maxQueue` and `queueTimeout` the same way for every policy that queues. */
export function queueSettings(kind: string, options: { maxQueue?: unknown; queueTimeout?: unknown }): QueueSettings {
  const maxQueue =
    options.maxQueue === undefined ? DEFAULT_MAX_QUEUE : integerAtLeast(kind, 'maxQueue', options.maxQueue, 0, true);
  if (options.queueTimeout === undefined) return { maxQueue, queueTimeout: undefined };
  const ms = positiveFinite(kind, 'queueTimeout', options.queueTimeout);
  if (ms > MAX_QUEUE_TIMEOUT_MS) {
    throw new RangeError(`${kind}: queueTimeout must be at most ${MAX_QUEUE_TIMEOUT_MS} (about 24.8 days), got ${ms}`);
  }
  return { maxQueue, queueTimeout: ms };
}

/** What p-limit's queued items call back into. */
interface Admitter {
  admit(waiter: Waiter): Promise<unknown> | undefined;
  admitSteadfast(fn: PolicyFunction<unknown>, ctx: CallContext, queuedAt: number): Promise<unknown>;
}

/**
 * What p-limit runs for a queued call: the call's turn has come in FIFO
 * order. Module-level so that queueing a call makes no closure.
 */
function admitQueued(waiter: Waiter, policy: Admitter): Promise<unknown> | undefined {
  return policy.admit(waiter);
}

/**
 * What p-limit runs for a queued call that can never leave the queue (no
 * signal, no enclosing timeout, no `queueTimeout`): p-limit's own promise is
 * the caller's, so such a call costs no waiter and no promise of ours.
 */
function admitSteadfast(
  fn: PolicyFunction<unknown>,
  ctx: CallContext,
  policy: Admitter,
  queuedAt: number,
): Promise<unknown> {
  return policy.admitSteadfast(fn, ctx, queuedAt);
}

/**
 * The queue, abort, queue-timeout and release rules of a policy that runs at
 * most `capacity` calls at once and lets up to `maxQueue` more wait in FIFO
 * order: the one implementation behind `bulkhead` (a fixed capacity) and
 * `adaptiveBulkhead` (a capacity that its limit algorithm moves).
 *
 * @remarks
 * p-limit holds the FIFO queue and drains it. The policy keeps its own slot
 * count so that an uncontended call skips the queue (never overtaking a queued
 * one), and a queued call that aborts or times out gives its place back at
 * once; p-limit later passes over what it left behind. When the capacity
 * changes, p-limit's `concurrency` follows; a capacity below the calls running
 * lets them finish and admits no one until a slot is free under the new
 * capacity. See docs/decisions/0002-bulkhead-on-p-limit.md.
 * Not exported by the entry; declared because the public policy classes extend it.
 */
export abstract class AdmissionPolicy<E extends AdmissionEvents> extends PolicyBase<E> implements WaiterOwner {
  /** How many more calls may wait for a slot. */
  readonly maxQueue: number;
  /** How long a call may wait in the queue (ms); `undefined` for no limit. */
  readonly queueTimeout: number | undefined;

  /** How many calls may run at once now. */
  protected capacity: number;
  protected activeCount = 0;
  private queuedCount = 0;
  /** Why a call that finds no slot and no queue place is refused. */
  private readonly fullReason: BulkheadRejectReason;
  /**
   * Queued calls that p-limit has reached while every slot was taken by a call
   * that skipped the queue. At most `capacity` long; FIFO.
   */
  private readonly parked: Waiter[] = [];
  private readonly queue: LimitFunction;
  /**
   * Frees a slot, or hands it straight to the first parked call. Made once.
   * A call started in a slot calls it exactly once, when its function settles.
   */
  protected readonly release: () => void;

  constructor(
    kind: PolicyKind,
    options: CommonOptions,
    capacity: number,
    queue: QueueSettings,
    fullReason: BulkheadRejectReason,
  ) {
    super(kind, options);
    this.capacity = capacity;
    this.maxQueue = queue.maxQueue;
    this.queueTimeout = queue.queueTimeout;
    this.fullReason = fullReason;
    this.queue = pLimit(capacity);
    this.release = (): void => {
      // Above the capacity (it was lowered while calls ran): the slot disappears.
      if (this.parked.length === 0 || this.activeCount > this.capacity) {
        this.activeCount--;
        return;
      }
      const next = this.parked.shift() as Waiter;
      (next.unpark as (done: Promise<unknown> | undefined) => void)(this.start(next));
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

  /**
   * Runs `fn` in a slot the call already holds and arranges for `release` to
   * be called once when it settles. Returns the function's own promise.
   */
  protected abstract launch(fn: PolicyFunction<unknown>, ctx: CallContext): Promise<unknown>;

  /**
   * Moves the capacity. Parked calls take the new slots at once; p-limit
   * reaches more queued calls in a microtask.
   */
  protected setCapacity(capacity: number): void {
    this.capacity = capacity;
    this.queue.concurrency = capacity;
    while (this.activeCount < capacity && this.parked.length > 0) {
      const next = this.parked.shift() as Waiter;
      this.activeCount++;
      (next.unpark as (done: Promise<unknown> | undefined) => void)(this.start(next));
    }
  }

  /** @internal */
  [RUN]<T>(fn: PolicyFunction<T>, ctx: CallContext): Promise<Awaited<T>> {
    if (ctx.scope.aborted) return Promise.reject(ctx.scope.reason);
    if (this.activeCount < this.capacity && this.queuedCount === 0) {
      // Uncontended: a free slot and nobody waiting, so running now overtakes no one.
      this.activeCount++;
      return this.launch(fn as PolicyFunction<unknown>, ctx) as Promise<Awaited<T>>;
    }
    if (this.queuedCount >= this.maxQueue) {
      const reason = this.fullReason;
      const error = new BulkheadRejectedError(reason);
      this.emitAdmission('rejected', ctx, { reason });
      return Promise.reject(error);
    }
    if (this.queueTimeout === undefined && !ctx.scope.canAbort) {
      this.queuedCount++;
      return this.queue(admitSteadfast, fn as PolicyFunction<unknown>, ctx, this, this.clock.now()) as Promise<
        Awaited<T>
      >;
    }
    const waiter = new Waiter(this, fn as PolicyFunction<unknown>, ctx, this.clock.now());
    const result = promiseFor<Awaited<T>>(waiter);
    this.queuedCount++;
    ctx.scope.subscribe(waiter);
    if (this.queueTimeout !== undefined) {
      waiter.timer = this.clock.setTimeout(() => this.cancel(waiter, undefined, true), this.queueTimeout);
    }
    void this.queue(admitQueued, waiter, this);
    return result;
  }

  /**
   * p-limit reached `waiter`. Returns what p-limit should wait on before it
   * starts the next queued call: nothing for a call that already left.
   * @internal
   */
  admit(waiter: Waiter): Promise<unknown> | undefined {
    if (waiter.state !== QUEUED) return undefined;
    if (this.activeCount < this.capacity) {
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
    if (this.activeCount < this.capacity) {
      this.activeCount++;
      this.queuedCount--;
      this.emitDequeued(ctx, queuedAt);
      return this.launch(fn, ctx);
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
    const running = this.launch(waiter.fn as PolicyFunction<unknown>, waiter.ctx);
    waiter.fn = undefined;
    const resolve = waiter.resolve;
    if (resolve === undefined) return running;
    const settled = running.then(resolve, waiter.reject);
    waiter.resolve = undefined;
    waiter.reject = undefined;
    return settled;
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
      this.emitAdmission('rejected', waiter.ctx, { reason: 'queueTimeout' });
    } else {
      reject(reason);
    }
  }

  /** A queued call starts: it waited since `queuedAt`. */
  private emitDequeued(ctx: CallContext, queuedAt: number): void {
    if (this.listens('dequeued')) this.emitAdmission('dequeued', ctx, { waitedMs: this.clock.now() - queuedAt });
  }

  /** Emits one of the events every admission policy has. */
  private emitAdmission<K extends keyof AdmissionEvents>(event: K, ctx: CallContext, fields: AdmissionEvents[K]): void {
    (this as unknown as AdmissionPolicy<AdmissionEvents>).emitEvent(event, ctx, fields);
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
