import type { AbortSubscriber, CallContext, PolicyFunction, Scope } from 'breakwater';

/** What a run in flight reports back to its policy. */
export interface FlightOwner {
  /** Every caller left `flight`: it must not be joined any more. */
  flightAbandoned(flight: Flight): void;
}

/** The sharer whose promise is being made: one shared executor serves every caller, no closure per call. */
let capturing: Sharer | undefined;

function capture(resolve: (value: never) => void, reject: (error: unknown) => void): void {
  const sharer = capturing as Sharer;
  capturing = undefined;
  sharer.resolve = resolve as (value: unknown) => void;
  sharer.reject = reject;
}

/** One caller waiting on a shared run. */
export class Sharer implements AbortSubscriber {
  readonly flight: Flight;
  readonly ctx: CallContext;
  /** Answered or gone: nothing more happens to this caller. */
  done = false;
  resolve: (value: unknown) => void = ignore;
  reject: (error: unknown) => void = ignore;

  constructor(flight: Flight, ctx: CallContext) {
    this.flight = flight;
    this.ctx = ctx;
  }

  /** This caller's scope aborted (its signal, or a timeout around the cache): it alone rejects, at once. */
  handleEvent(): void {
    if (this.done) return;
    this.done = true;
    this.ctx.scope.unsubscribe(this);
    this.reject(this.ctx.scope.reason);
    this.flight.left(this.ctx.scope.reason);
  }

  /** Answers this caller, once. */
  settle(ok: boolean, result: unknown): void {
    if (this.done) return;
    this.done = true;
    this.ctx.scope.unsubscribe(this);
    if (ok) this.resolve(result);
    else this.reject(result);
  }
}

/**
 * One run of the function shared by every concurrent caller of a key. It is
 * the scope the run's `ctx.signal` comes from: that scope aborts only when the
 * last caller still waiting has aborted, with that caller's reason.
 */
export class Flight implements Scope {
  readonly key: string;
  /** The callers with a promise of their own (a steadfast first caller waits on the run's promise instead). */
  sharers: Sharer[] | undefined = undefined;
  /** The first caller, when it waits on the run's own promise. */
  leader: CallContext | undefined = undefined;
  /** The result must not be stored: `delete`/`clear` dropped the key while it ran, or every caller left. */
  detached = false;
  aborted = false;
  reason: unknown = undefined;
  private readonly owner: FlightOwner;
  /** Callers still waiting. */
  private waiting = 0;
  /** Callers that can never abort: while there is one, this scope cannot abort either. */
  private steadfast = 0;
  private controller: AbortController | undefined = undefined;
  private subscribers: AbortSubscriber[] | undefined = undefined;

  constructor(owner: FlightOwner, key: string) {
    this.owner = owner;
    this.key = key;
  }

  get canAbort(): boolean {
    return this.steadfast === 0;
  }

  /** Made only when the run reads it (an AbortController costs about 1.6 µs on Node 20). */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  subscribe(subscriber: AbortSubscriber): void {
    (this.subscribers ??= []).push(subscriber);
  }

  unsubscribe(subscriber: AbortSubscriber): void {
    const list = this.subscribers;
    if (list === undefined) return;
    const i = list.lastIndexOf(subscriber);
    if (i !== -1) list.splice(i, 1);
  }

  /** Counts in a caller that waits on the run's own promise and can never abort (it needs no promise of its own). */
  holdSteadfast(ctx: CallContext): void {
    this.leader = ctx;
    this.waiting++;
    this.steadfast++;
  }

  /** Adds a caller; its promise settles with the run, or with its own abort reason at once. */
  join<T>(ctx: CallContext): Promise<Awaited<T>> {
    const sharer = new Sharer(this, ctx);
    capturing = sharer;
    const promise = new Promise<Awaited<T>>(capture);
    (this.sharers ??= []).push(sharer);
    this.waiting++;
    if (ctx.scope.canAbort) ctx.scope.subscribe(sharer);
    else this.steadfast++;
    return promise;
  }

  /** A caller aborted and left; when it was the last one, the run's signal aborts with its reason. */
  left(reason: unknown): void {
    if (--this.waiting !== 0) return;
    this.detached = true;
    this.owner.flightAbandoned(this);
    this.abort(reason);
  }

  /** Callers still waiting. */
  get active(): number {
    return this.waiting;
  }

  private abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
    const list = this.subscribers;
    if (list !== undefined && list.length > 0) {
      this.subscribers = undefined;
      for (const s of list) s.handleEvent();
    }
  }
}

/** Calls `fn` and turns a synchronous throw into a rejection. */
export function invoke<T>(fn: PolicyFunction<T>, ctx: CallContext): Promise<Awaited<T>> {
  try {
    const result = fn(ctx);
    return (result instanceof Promise ? result : Promise.resolve(result)) as Promise<Awaited<T>>;
  } catch (error) {
    return Promise.reject(error);
  }
}

function ignore(): void {}
