import type { AbortSubscriber, CallContext } from '../../core/context.js';
import { provesNotExecuted } from '../../core/errors.js';
import { reportCallbackError } from '../../core/events.js';
import { invoke, type Outcome, PolicyBase, type PolicyFunction, RUN } from '../../core/policy.js';
import { type OptionNames, optionsObject } from '../../core/validate.js';
import { BREAKER_PEER_NAMES } from '../../core/peer-names.js';
import { resolveOptions } from './config.js';
import { CIRCUIT_BREAKER_KIND, SNAPSHOT_VERSION } from './constants.js';
import type { CircuitBreakerEvents, CircuitBreakerStats, CircuitState } from './events.js';
import {
  admitProbe,
  elapse,
  INITIAL_MACHINE,
  isolate,
  type Machine,
  type MachineRules,
  probeSettled,
  release,
  reset,
  restoredMachine,
  type StateChange,
  type Step,
  trip,
} from './machine.js';
import type { CircuitBreakerOptions } from './options.js';
import { brokenCircuit, isolatedCircuit } from './rejection.js';
import { BreakerSharing, fleetClose, fleetOpen, sharingOptions } from './shared.js';
import type { SharedStore } from '../../core/store/protocol.js';
import type { BreakerSnapshot } from './snapshot.js';
import { ConsecutiveHealth, type HealthWindow, TimeHealth, type TripReason } from './windows.js';

const K = CIRCUIT_BREAKER_KIND;
const NO_CHANGES: readonly StateChange[] = /* @__PURE__ */ Object.freeze([]);

/** How a settled call counts. */
const SUCCESS = 0;
const FAILURE = 1;
const NEITHER = 2;
type Verdict = typeof SUCCESS | typeof FAILURE | typeof NEITHER;

/** Not a probe. */
const NO_PROBE = -1;

/**
 * Holds a breaker isolated until released; `release()` is idempotent. The
 * handle is disposable: `using hold = breaker.isolate()` releases it at the
 * end of the block.
 */
export interface IsolationHandle {
  /** Lets go of this hold; the breaker closes when the last one is released. Calling it again does nothing. */
  release(): void;
  /** The same as `release()`, for `using`. */
  [Symbol.dispose](): void;
}

/** `Symbol.dispose` where the runtime has it, else the key that `using` polyfills agree on. */
const DISPOSE: typeof Symbol.dispose = ((Symbol as { dispose?: symbol }).dispose ??
  Symbol.for('Symbol.dispose')) as typeof Symbol.dispose;

class Isolation implements IsolationHandle {
  private released = false;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly epoch: number;

  constructor(breaker: CircuitBreakerPolicy, epoch: number) {
    this.breaker = breaker;
    this.epoch = epoch;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.breaker.releaseIsolation(this.epoch);
  }

  [DISPOSE](): void {
    this.release();
  }
}

/**
 * A circuit breaker: stops calling a failing dependency for a while, then
 * lets a few trial calls decide whether it recovered. Made by
 * {@link circuitBreaker}.
 */
export class CircuitBreakerPolicy extends PolicyBase<CircuitBreakerEvents> {
  declare readonly kind: 'circuitBreaker';
  private machine: Machine;
  private readonly health: HealthWindow;
  private readonly rules: MachineRules;
  /** `Infinity` when slow calls are not watched. */
  private readonly slowMs: number;
  /** Whether recording a call needs the time (the time window does). */
  private readonly timedWindow: boolean;
  private readonly failOn: ((outcome: Outcome) => boolean) | undefined;
  /** Set when a store is given: the state shared with the other instances (shared.ts). */
  private readonly sharing: BreakerSharing | undefined;
  /** While applying what the fleet said: such transitions are not written back. */
  private adopting = false;
  /** When this instance last opened (its clock). */
  private openedAt = -Infinity;

  constructor(options: CircuitBreakerOptions) {
    super(K, options);
    const config = resolveOptions(options, this.name);
    this.health = config.health;
    this.rules = config.rules;
    this.slowMs = config.slowMs;
    this.failOn = config.failOn;
    this.timedWindow = config.health instanceof TimeHealth;
    if (config.snapshot === undefined) {
      this.machine = INITIAL_MACHINE;
    } else {
      const snap = config.snapshot;
      const now = this.clock.now();
      this.machine = restoredMachine(snap.state, snap.opens, snap.retryAfter, now);
      // A window of another shape (the options changed) starts empty.
      this.health.restore(snap.window, now);
    }
    const shared = sharingOptions(options, options.name);
    this.sharing =
      shared === undefined
        ? undefined
        : new BreakerSharing(
            shared,
            this.name,
            this.rules.openFor(1),
            this.health instanceof ConsecutiveHealth ? 'consecutiveFailures' : 'failureRate',
            this.clock,
            {
              fleetOpened: (openLeft, reason, now) =>
                this.adopt(now, (m) =>
                  m.state === 'closed' || m.state === 'halfOpen' ? fleetOpen(m, now, openLeft, reason) : undefined,
                ),
              fleetClosed: (closedAgo, now) =>
                this.adopt(now, (m) =>
                  (m.state === 'open' || m.state === 'halfOpen') && this.openedAt < now - closedAgo
                    ? fleetClose(m)
                    : undefined,
                ),
              countsTripped: (reason, now) => {
                const early = this.catchUp(now);
                const changes = this.commit(trip(this.machine, now, reason, this.rules));
                this.announce(early, undefined);
                this.announce(changes, undefined);
              },
            },
          );
  }

  /** The shared store, when one was given. */
  get store(): SharedStore | undefined {
    return this.sharing?.store;
  }

  /** Applies a transition the fleet asked for; it is not written back. */
  private adopt(now: number, next: (m: Machine) => Step | undefined): void {
    const early = this.catchUp(now);
    const step = next(this.machine);
    let changes: readonly StateChange[] = NO_CHANGES;
    if (step !== undefined) {
      this.adopting = true;
      try {
        changes = this.commit(step);
      } finally {
        this.adopting = false;
      }
    }
    this.announce(early, undefined);
    this.announce(changes, undefined);
  }

  /** The window's verdict: the fleet's merged counts in `share: 'counts'` while the store is healthy. */
  private verdict(): TripReason | undefined {
    const sharing = this.sharing;
    return sharing !== undefined && sharing.countsDecide ? sharing.mergedVerdict() : this.health.verdict();
  }

  /**
   * The state now, evaluated against the clock: once `openFor` has passed it
   * reads `'halfOpen'` (and `stateChange` is emitted then).
   */
  get state(): CircuitState {
    if (this.machine.state === 'closed') return 'closed';
    this.announce(this.catchUp(this.clock.now()), undefined);
    return this.machine.state;
  }

  /** Counts of the current window. */
  get stats(): CircuitBreakerStats {
    return this.health.stats(this.timedWindow ? this.clock.now() : 0);
  }

  /**
   * Holds the breaker open (calls reject with `IsolatedCircuitError`) until
   * every handle is released; then it closes with an empty window.
   *
   * @example
   * ```ts
   * const hold = breaker.isolate(); // maintenance window
   * // ...
   * hold.release();
   * ```
   */
  isolate(): IsolationHandle {
    const now = this.clock.now();
    const early = this.catchUp(now);
    const changes = this.commit(isolate(this.machine));
    const handle = new Isolation(this, this.machine.isolationEpoch);
    this.announce(early, undefined);
    this.announce(changes, undefined);
    return handle;
  }

  /** @internal */
  releaseIsolation(epoch: number): void {
    const early = this.catchUp(this.clock.now());
    const changes = this.commit(release(this.machine, epoch));
    this.announce(early, undefined);
    this.announce(changes, undefined);
  }

  /** Closes the breaker and empties its window, whatever its state; outstanding isolation handles become void. */
  reset(): void {
    const early = this.catchUp(this.clock.now());
    const changes = this.commit(reset(this.machine));
    this.announce(early, undefined);
    this.announce(changes, undefined);
  }

  /**
   * The breaker's state as JSON-serialisable data, for `initialState`.
   *
   * @example
   * ```ts
   * await store.set('breaker', JSON.stringify(breaker.snapshot()));
   * const restored = circuitBreaker({ initialState: JSON.parse(await store.get('breaker')) });
   * ```
   */
  snapshot(): BreakerSnapshot {
    const now = this.clock.now();
    this.announce(this.catchUp(now), undefined);
    const m = this.machine;
    return {
      version: SNAPSHOT_VERSION,
      state: m.state,
      opens: m.opens,
      retryAfter: m.state === 'open' ? Math.max(0, m.openUntil - now) : 0,
      window: this.health.snapshot(now),
    };
  }

  /** @internal */
  [RUN]<T>(fn: PolicyFunction<T>, ctx: CallContext): Promise<Awaited<T>> {
    const scope = ctx.scope;
    if (scope.aborted) return Promise.reject(scope.reason);
    const m = this.machine;
    if (m.state === 'closed') {
      const startedAt = this.slowMs !== Infinity || this.listensToOutcomes() ? this.clock.now() : NaN;
      return this.track(invoke(fn, ctx), ctx, m.generation, startedAt);
    }
    return this.runNotClosed(fn, ctx);
  }

  private listensToOutcomes(): boolean {
    return this.listens('success') || this.listens('failure');
  }

  /**
   * Counts the call when it settles and hands the caller the function's own
   * promise: our reaction is attached first, so it runs before the caller's,
   * and no promise is chained and no error rethrown on the way.
   */
  private track<T>(
    promise: Promise<Awaited<T>>,
    ctx: CallContext,
    generation: number,
    startedAt: number,
  ): Promise<Awaited<T>> {
    promise.then(
      (value) => {
        // The common case: a value, no failOn, nothing timed, no transition since the call started.
        if (this.failOn === undefined && startedAt !== startedAt && this.machine.generation === generation)
          this.succeeded(ctx);
        else this.settle(ctx, generation, startedAt, NO_PROBE, true, value);
      },
      (error: unknown) => this.settle(ctx, generation, startedAt, NO_PROBE, false, error),
    );
    return promise;
  }

  /** `settle` for a plain success in the closed state it started in (the breaker is closed). */
  private succeeded(ctx: CallContext): void {
    const health = this.health;
    const timed = this.timedWindow;
    const now = timed ? this.clock.now() : 0;
    health.record(now, false, false);
    const sharing = this.sharing;
    if (sharing !== undefined) {
      if (sharing.share === 'counts') sharing.recorded(false, false);
      sharing.tick(timed ? now : this.clock.now());
    }
    const reason = sharing === undefined ? health.verdict() : this.verdict();
    const changes =
      reason === undefined
        ? NO_CHANGES
        : this.commit(trip(this.machine, timed ? now : this.clock.now(), reason, this.rules));
    if (this.listens('success')) this.emitEvent('success', ctx, { durationMs: 0 });
    if (changes.length > 0) this.announce(changes, ctx);
  }

  private runNotClosed<T>(fn: PolicyFunction<T>, ctx: CallContext): Promise<Awaited<T>> {
    const now = this.clock.now();
    this.announce(this.catchUp(now), ctx);
    this.sharing?.tick(now);
    // A listener may have acted (reset, isolate) or aborted the call.
    if (ctx.scope.aborted) return Promise.reject(ctx.scope.reason);
    const m = this.machine;
    if (m.state === 'closed') return this.track(invoke(fn, ctx), ctx, m.generation, now);
    if (m.state === 'halfOpen') {
      const admitted = admitProbe(m, now, this.rules);
      if (admitted !== undefined) {
        this.machine = admitted.machine;
        const probe = new ProbeCall<T>(this, ctx, admitted.probe.id, m.generation, now);
        const lease = this.sharing?.leaseProbe(admitted.probe.id, this.rules.maxWait, this.rules.probes, now);
        if (lease === undefined) return probe.run(fn);
        if (lease === false) return this.probeRefused(admitted.probe.id, ctx, now);
        return lease.then((granted) =>
          granted ? probe.run(fn) : this.probeRefused(admitted.probe.id, ctx, this.clock.now()),
        );
      }
    }
    const error =
      m.state === 'isolated' ? isolatedCircuit() : brokenCircuit(m.state === 'open' ? m.openUntil - now : 0);
    if (this.listens('rejected'))
      this.emitEvent('rejected', ctx, { state: m.state as Exclude<CircuitState, 'closed'> });
    return Promise.reject(error);
  }

  /** Another instance holds the fleet's probe places: this call is refused and its local place freed. */
  private probeRefused(probeId: number, ctx: CallContext, now: number): Promise<never> {
    this.commit(probeSettled(this.machine, probeId, now, 'neither', this.rules));
    if (this.listens('rejected')) this.emitEvent('rejected', ctx, { state: 'halfOpen' });
    return Promise.reject(brokenCircuit(0));
  }

  /** Applies what time did since the last look; returns the changes to announce. */
  private catchUp(now: number): readonly StateChange[] {
    if (this.machine.state === 'closed') return NO_CHANGES;
    return this.commit(elapse(this.machine, now, this.rules));
  }

  /** Commits a step: the machine, and the window when the step emptied it (closing, reset). */
  private commit(step: Step): readonly StateChange[] {
    const emptied = step.machine.windowSince !== this.machine.windowSince;
    this.machine = step.machine;
    if (emptied) this.health.clear();
    if (this.sharing !== undefined && step.changes.length > 0) this.share(step.changes);
    return step.changes;
  }

  /** An opening and a probe's result are written to the store at once (not what the fleet itself said). */
  private share(changes: readonly StateChange[]): void {
    const sharing = this.sharing;
    if (sharing === undefined) return;
    for (const change of changes) {
      if (change.to === 'open') {
        const now = this.clock.now();
        this.openedAt = now;
        if (!this.adopting) sharing.opened(Math.max(0, this.machine.openUntil - now));
      } else if (change.to === 'closed' && change.reason === 'probesSucceeded' && !this.adopting) {
        sharing.closed();
      }
    }
  }

  private announce(changes: readonly StateChange[], ctx: CallContext | undefined): void {
    for (const change of changes) this.emitEvent('stateChange', ctx, change, change.at);
  }

  /** @internal A probe's caller aborted: its place is free at once. */
  abandonProbe(probeId: number, ctx: CallContext): void {
    const now = this.clock.now();
    const early = this.catchUp(now);
    this.commit(probeSettled(this.machine, probeId, now, 'neither', this.rules));
    this.sharing?.releaseProbe(probeId);
    this.announce(early, ctx);
  }

  private classify(ctx: CallContext, ok: boolean, result: unknown): Verdict {
    if (!ok) {
      const scope = ctx.scope;
      if (scope.aborted && result === scope.reason) return NEITHER;
      if (provesNotExecuted(result)) return NEITHER;
    }
    const failOn = this.failOn;
    if (failOn === undefined) return ok ? SUCCESS : FAILURE;
    try {
      return failOn(ok ? { ok: true, value: result } : { ok: false, error: result }) ? FAILURE : SUCCESS;
    } catch (error) {
      // A throwing failOn counts as false: the dependency answered.
      reportCallbackError(error, this.name, 'failOn', 'treated as false');
      return SUCCESS;
    }
  }

  /** @internal A call ran through the breaker and settled. */
  settle(ctx: CallContext, generation: number, startedAt: number, probeId: number, ok: boolean, result: unknown): void {
    const verdict = this.classify(ctx, ok, result);
    const measured = startedAt === startedAt; // not NaN
    const needsNow =
      this.timedWindow || measured || verdict === FAILURE || probeId !== NO_PROBE || this.machine.state !== 'closed';
    const now = needsNow || this.sharing !== undefined ? this.clock.now() : 0;
    const early = this.catchUp(now);
    this.sharing?.tick(now);
    if (verdict === NEITHER) {
      if (probeId !== NO_PROBE) {
        this.commit(probeSettled(this.machine, probeId, now, 'neither', this.rules));
        this.sharing?.releaseProbe(probeId);
      }
      this.announce(early, ctx);
      return;
    }
    const failed = verdict === FAILURE;
    const durationMs = measured ? now - startedAt : 0;
    const slow = durationMs >= this.slowMs;
    let changes = NO_CHANGES;
    const m = this.machine;
    // A call from before the window was emptied belongs to a window that is gone.
    if (generation >= m.windowSince) {
      this.health.record(now, failed, slow);
      if (this.sharing !== undefined && this.sharing.share === 'counts') this.sharing.recorded(failed, slow);
    }
    if (probeId !== NO_PROBE) {
      this.sharing?.releaseProbe(probeId);
      changes = this.commit(probeSettled(m, probeId, now, failed || slow ? 'failure' : 'success', this.rules));
    } else if (m.state === 'closed' && m.generation === generation) {
      const reason = this.verdict();
      // A success can open it too (it brings the window to minimumCalls): read the time if not read yet.
      if (reason !== undefined) changes = this.commit(trip(m, needsNow ? now : this.clock.now(), reason, this.rules));
    }
    if (early.length > 0) this.announce(early, ctx);
    if (failed) {
      if (this.listens('failure')) this.emitEvent('failure', ctx, { error: result, durationMs });
    } else if (this.listens('success')) {
      this.emitEvent('success', ctx, { durationMs });
    }
    if (changes.length > 0) this.announce(changes, ctx);
  }
}

/**
 * A trial call in half-open. It listens to its caller's scope so that an
 * abort frees its place at once; the listener goes when the call settles.
 */
class ProbeCall<T> implements AbortSubscriber {
  private readonly breaker: CircuitBreakerPolicy;
  private readonly ctx: CallContext;
  private readonly probeId: number;
  private readonly generation: number;
  private readonly startedAt: number;
  private subscribed = false;

  constructor(breaker: CircuitBreakerPolicy, ctx: CallContext, probeId: number, generation: number, startedAt: number) {
    this.breaker = breaker;
    this.ctx = ctx;
    this.probeId = probeId;
    this.generation = generation;
    this.startedAt = startedAt;
  }

  run(fn: PolicyFunction<T>): Promise<Awaited<T>> {
    this.ctx.scope.subscribe(this);
    this.subscribed = true;
    const promise = invoke(fn, this.ctx);
    promise.then(
      (value) => this.done(true, value),
      (error: unknown) => this.done(false, error),
    );
    return promise;
  }

  handleEvent(): void {
    if (!this.subscribed) return;
    this.unsubscribe();
    this.breaker.abandonProbe(this.probeId, this.ctx);
  }

  private unsubscribe(): void {
    this.subscribed = false;
    this.ctx.scope.unsubscribe(this);
  }

  private done(ok: boolean, result: unknown): void {
    if (this.subscribed) this.unsubscribe();
    this.breaker.settle(this.ctx, this.generation, this.startedAt, this.probeId, ok, result);
  }
}

/** Every option name of CircuitBreakerOptions; any other key is a TypeError. */
const CIRCUIT_BREAKER_OPTIONS: OptionNames<CircuitBreakerOptions> = {
  window: true,
  failureRate: true,
  minimumCalls: true,
  slowCall: true,
  openFor: true,
  halfOpen: true,
  failOn: true,
  initialState: true,
  store: true,
  share: true,
  quorum: true,
  syncMs: true,
  name: true,
  clock: true,
};

/**
 * Stops calling a failing dependency for a while, then lets a few trial calls
 * decide whether it recovered.
 *
 * @remarks
 * Gotchas: the state is evaluated lazily (no timers): `openElapsed` and a hung
 * probe's `maxWait` are noticed when the state is read or the next call
 * arrives. The caller's abort and rejections with `executed === false` count
 * as neither success nor failure. Rejections are built without a stack trace.
 *
 * @example
 * ```ts
 * const breaker = circuitBreaker({ window: { kind: 'count', size: 50 }, openFor: (n) => Math.min(60_000, 5_000 * 2 ** (n - 1)) });
 * breaker.on('stateChange', ({ from, to, reason }) => log.warn({ from, to, reason }));
 * const res = await breaker.execute(({ signal }) => fetch(url, { signal }));
 * ```
 */
export function circuitBreaker(options?: CircuitBreakerOptions): CircuitBreakerPolicy {
  return new CircuitBreakerPolicy(
    optionsObject<CircuitBreakerOptions>(K, options, CIRCUIT_BREAKER_OPTIONS, BREAKER_PEER_NAMES),
  );
}

export type {
  BreakerWindow,
  CircuitBreakerOptions,
  ConsecutiveWindow,
  CountWindow,
  HalfOpenOptions,
  SlowCallOptions,
  TimeWindow,
} from './options.js';
export type { CircuitBreakerEvents, CircuitBreakerStats, CircuitState, StateChangeReason } from './events.js';
export { DEFAULT_QUORUM, DEFAULT_SHARE, DEFAULT_SYNC_MS, type BreakerShare, type SharingOptions } from './shared.js';
export type { BreakerSnapshot, WindowSnapshot } from './snapshot.js';
export { CIRCUIT_BREAKER_DEFAULTS } from './constants.js';
