import type { AbortSubscriber, CallContext } from '../context.js';
import type { PolicyFunction } from '../policy.js';
import type { SettleTarget } from '../settle-target.js';

/** Where a queued call stands. Every transition leaves `QUEUED` exactly once. */
export const QUEUED = 0;
export const STARTED = 1;
export const CANCELLED = 2;
export type WaiterState = typeof QUEUED | typeof STARTED | typeof CANCELLED;

/** What a waiter needs from its bulkhead. */
export interface WaiterOwner {
  /** Takes `waiter` out of the queue and rejects its caller with `reason`. */
  cancel(waiter: Waiter, reason: unknown, timedOut: boolean): void;
}

/**
 * One call waiting for a slot. A call that can leave the queue listens to its
 * scope (the caller's signal or an enclosing timeout), owns its queue timer and
 * its caller's settle functions; the bulkhead removes the listener and timer on
 * every exit. A call that cannot leave becomes a waiter only when it must wait
 * at the head for a slot, and has no settle functions (p-limit's promise is its
 * caller's).
 */
export class Waiter implements AbortSubscriber, SettleTarget {
  state: WaiterState = QUEUED;
  fn: PolicyFunction<unknown> | undefined;
  readonly ctx: CallContext;
  resolve: ((value: unknown) => void) | undefined = undefined;
  reject: ((error: unknown) => void) | undefined = undefined;
  /** Set while the waiter holds a place at the head of the queue, waiting for a slot. */
  unpark: ((done: Promise<unknown> | undefined) => void) | undefined = undefined;
  timer: unknown = undefined;
  /** Clock time at which the call joined the queue. */
  queuedAt: number;
  private readonly owner: WaiterOwner;

  constructor(owner: WaiterOwner, fn: PolicyFunction<unknown>, ctx: CallContext, queuedAt: number) {
    this.owner = owner;
    this.queuedAt = queuedAt;
    this.fn = fn;
    this.ctx = ctx;
  }

  /** The scope aborted while the call waited. */
  handleEvent(): void {
    this.owner.cancel(this, this.ctx.scope.reason, false);
  }
}
