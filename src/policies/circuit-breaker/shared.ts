/**
 * A breaker shared through a store: what one instance learns is written
 * behind, on calls, at most every `syncMs` (no timer); an opening and a probe's
 * result are written at once. Decisions stay local: nothing here adds a round
 * trip to a call in the closed state. While the store is degraded every
 * operation answers "not now" synchronously and the breaker is a local one,
 * decision for decision.
 */
import type { Clock } from '../../core/clock.js';
import { describe, integerAtLeast, oneOf, positiveFinite } from '../../core/validate.js';
import { isSharedStore, type BreakerCounts, type BreakerView, type SharedStore } from '../../core/store/protocol.js';
import { CIRCUIT_BREAKER_KIND, DEFAULT_FAILURE_RATE, DEFAULT_MINIMUM_CALLS, DEFAULT_WINDOW_MS } from './constants.js';
import type { StateChangeReason } from './events.js';
import type { Machine, Step } from './machine.js';
import type { BreakerShare, CircuitBreakerOptions, SharingOptions } from './options.js';

export type { BreakerShare, SharingOptions } from './options.js';
import type { TripReason } from './windows.js';

const K = CIRCUIT_BREAKER_KIND;

/** The default `share`: instances tell each other when they open. */
export const DEFAULT_SHARE: BreakerShare = 'opens';
/** The default `quorum`: one instance's opening opens the fleet. */
export const DEFAULT_QUORUM = 1;
/** The default `syncMs`: how often an instance writes behind and reads the fleet. */
export const DEFAULT_SYNC_MS = 1_000;
const SHARES: readonly BreakerShare[] = ['opens', 'counts'];

/** What the breaker does with what the fleet says (implemented by the policy). */
export interface FleetListener {
  /** The fleet is open for `openLeft` more ms: a closed or half-open instance opens until then. */
  fleetOpened(openLeft: number, reason: TripReason, now: number): void;
  /** The fleet closed `closedAgo` ms ago: an open or half-open instance that opened before that closes. */
  fleetClosed(closedAgo: number, now: number): void;
  /** The merged counts say open. */
  countsTripped(reason: TripReason, now: number): void;
}

interface RateRule {
  readonly failureRate: number;
  readonly minimumCalls: number;
  readonly slowCallRate: number;
}

const ZERO: BreakerCounts = Object.freeze({ calls: 0, failures: 0, slowCalls: 0 });
let instances = 0;

/** The sharing options, validated; `undefined` when no store was given. */
export function sharingOptions(
  options: CircuitBreakerOptions,
  name: string | undefined,
):
  | { store: SharedStore; share: BreakerShare; quorum: number; syncMs: number; windowMs: number; rule: RateRule }
  | undefined {
  const { store, share, quorum, syncMs } = options as CircuitBreakerOptions & SharingOptions;
  const s = share === undefined ? DEFAULT_SHARE : oneOf(K, 'share', share, SHARES);
  const q = quorum === undefined ? DEFAULT_QUORUM : integerAtLeast(K, 'quorum', quorum, 1);
  const ms = syncMs === undefined ? DEFAULT_SYNC_MS : positiveFinite(K, 'syncMs', syncMs);
  if (store === undefined) return undefined;
  if (!isSharedStore(store)) {
    throw new TypeError(`${K}: store must be a SharedStore (memoryStore() or redisStore()), got ${describe(store)}`);
  }
  if (name === undefined) {
    throw new TypeError(
      `${K}: a policy with a store needs an explicit name (two services with the default name would share one breaker)`,
    );
  }
  const window = options.window;
  if (s === 'counts' && window !== undefined && window.kind !== 'time') {
    throw new TypeError(`${K}: share "counts" merges time windows, got window.kind ${describe(window.kind)}`);
  }
  const windowMs = window !== undefined && window.kind === 'time' ? window.ms : DEFAULT_WINDOW_MS;
  const rule: RateRule = {
    failureRate: options.failureRate ?? DEFAULT_FAILURE_RATE,
    minimumCalls: options.minimumCalls ?? DEFAULT_MINIMUM_CALLS,
    slowCallRate: options.slowCall?.rate ?? Infinity,
  };
  return { store, share: s, quorum: q, syncMs: ms, windowMs, rule };
}

/** One instance's side of a shared breaker. */
export class BreakerSharing {
  readonly store: SharedStore;
  readonly share: BreakerShare;
  readonly quorum: number;
  readonly syncMs: number;
  private readonly name: string;
  private readonly instance: string;
  private readonly windowMs: number;
  private readonly openWithinMs: number;
  private readonly rule: RateRule;
  private readonly clock: Clock;
  private readonly listener: FleetListener;
  private readonly tripReason: TripReason;
  private nextSyncAt = -Infinity;
  private syncing = false;
  /** Counts not yet written (counts mode). */
  private pending = { calls: 0, failures: 0, slowCalls: 0 };
  /** Counts written by the report in flight, not yet in `view`. */
  private inflight: BreakerCounts = ZERO;
  private view: BreakerCounts = ZERO;
  private probeRefusedUntil = -Infinity;

  constructor(
    config: NonNullable<ReturnType<typeof sharingOptions>>,
    name: string,
    openWithinMs: number,
    tripReason: TripReason,
    clock: Clock,
    listener: FleetListener,
  ) {
    this.store = config.store;
    this.share = config.share;
    this.quorum = config.quorum;
    this.syncMs = config.syncMs;
    this.windowMs = config.windowMs;
    this.rule = config.rule;
    this.name = name;
    this.openWithinMs = openWithinMs;
    this.tripReason = tripReason;
    this.clock = clock;
    this.listener = listener;
    this.instance = `${Math.random().toString(36).slice(2, 10)}-${++instances}`;
  }

  /** True when merged counts decide instead of the local window (counts mode, store healthy). */
  get countsDecide(): boolean {
    return this.share === 'counts' && !this.store.degraded;
  }

  /** A call arrived or settled at `now`: write behind and read the fleet when `syncMs` has passed. */
  tick(now: number): void {
    if (now < this.nextSyncAt || this.syncing) return;
    this.nextSyncAt = now + this.syncMs;
    this.report(undefined, false);
  }

  /** A call settled (counts mode): it joins the counts written behind. */
  recorded(failed: boolean, slow: boolean): void {
    const p = this.pending;
    p.calls++;
    if (failed) p.failures++;
    if (slow) p.slowCalls++;
  }

  /**
   * The merged verdict: the fleet's counts as the store held them at this
   * instance's last sync (its own report included). Counts not yet written are
   * left out on purpose: they are fresher than the other instances' and would
   * let one bad instance outweigh the healthy ones between syncs.
   */
  mergedVerdict(): TripReason | undefined {
    const v = this.view;
    const calls = v.calls;
    if (calls < this.rule.minimumCalls || calls === 0) return undefined;
    if (v.failures / calls >= this.rule.failureRate) return 'failureRate';
    if (v.slowCalls / calls >= this.rule.slowCallRate) return 'slowCallRate';
    return undefined;
  }

  /** This instance opened on its own evidence (or a probe failed): written at once. */
  opened(openFor: number): void {
    this.report(openFor, false);
  }

  /** This instance's probes succeeded: the fleet closes, written at once. */
  closed(): void {
    this.pending = { calls: 0, failures: 0, slowCalls: 0 };
    this.view = ZERO;
    this.report(undefined, true);
  }

  /**
   * Takes a fleet-wide probe place: `undefined` when the store cannot say (run
   * the probe, as a local breaker would), else a promise of whether this
   * instance may probe. A refusal is remembered for `syncMs`.
   */
  leaseProbe(probeId: number, maxWait: number, probes: number, now: number): Promise<boolean> | false | undefined {
    if (now < this.probeRefusedUntil && !this.store.degraded) return false;
    const reply = this.store.probe(this.name, `${this.instance}:${probeId}`, maxWait, probes, this.openWithinMs);
    if (reply === undefined) return undefined;
    return reply.then((granted) => {
      if (granted === false) {
        // Another instance probes, reopened or closed the fleet: learn which now, not in syncMs.
        const at = this.clock.now();
        this.probeRefusedUntil = at + Math.min(this.syncMs, maxWait);
        this.nextSyncAt = -Infinity;
        this.tick(at);
      }
      return granted !== false; // undefined: the store failed meanwhile; decide as a local breaker
    });
  }

  /** A probe settled: its place goes back (fire and forget). */
  releaseProbe(probeId: number): void {
    void this.store.unprobe(this.name, `${this.instance}:${probeId}`);
  }

  private report(opened: number | undefined, closed: boolean): void {
    const counts = this.share === 'counts' && !closed ? this.pending : undefined;
    const reply = this.store.breaker(this.name, {
      instance: this.instance,
      opened,
      closed,
      counts,
      windowMs: this.windowMs,
      openWithinMs: this.openWithinMs,
    });
    if (reply === undefined) return;
    if (counts !== undefined) {
      this.inflight = counts;
      this.pending = { calls: 0, failures: 0, slowCalls: 0 };
    }
    this.syncing = true;
    reply.then(this.learn, this.learn);
  }

  private readonly learn = (view: BreakerView | undefined): void => {
    this.syncing = false;
    if (view === undefined) {
      // The report is lost with the store; its counts stay counted locally.
      const i = this.inflight;
      this.pending.calls += i.calls;
      this.pending.failures += i.failures;
      this.pending.slowCalls += i.slowCalls;
      this.inflight = ZERO;
      return;
    }
    this.inflight = ZERO;
    if (this.share === 'counts') this.view = view.counts;
    const now = this.clock.now();
    if (view.closedAgo !== Infinity) this.listener.fleetClosed(view.closedAgo, now);
    const needed = this.share === 'opens' ? this.quorum : 1;
    if (view.openLeft > 0 && view.opens >= needed) this.listener.fleetOpened(view.openLeft, this.tripReason, now);
    else if (this.share === 'counts') {
      const reason = this.mergedVerdict();
      if (reason !== undefined) this.listener.countsTripped(reason, now);
    }
  };
}

/** The fleet is open for `openLeft` more ms: this instance opens until then (pure, like machine.ts). */
export function fleetOpen(m: Machine, now: number, openLeft: number, reason: StateChangeReason): Step {
  const next: Machine = {
    ...m,
    state: 'open',
    opens: m.opens + 1,
    openUntil: now + openLeft,
    probes: [],
    probeSuccesses: 0,
    isolations: 0,
    generation: m.generation + 1,
  };
  return { machine: next, changes: [{ from: m.state, to: 'open', reason }] };
}

/** The fleet closed after this instance opened: it closes too, with an empty window. */
export function fleetClose(m: Machine): Step {
  const generation = m.generation + 1;
  const next: Machine = {
    ...m,
    state: 'closed',
    opens: 0,
    openUntil: 0,
    probes: [],
    probeSuccesses: 0,
    isolations: 0,
    generation,
    windowSince: generation,
  };
  return { machine: next, changes: [{ from: m.state, to: 'closed', reason: 'probesSucceeded' }] };
}
