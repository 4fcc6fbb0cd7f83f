/**
 * The breaker's state machine: plain data and pure transition functions that
 * take `now`. No clock, timers, events or windows here; the policy applies a
 * step, then announces its changes.
 */
import type { CircuitState, StateChangeReason } from './events.js';

/** A trial call running in half-open. */
export interface Probe {
  readonly id: number;
  readonly startedAt: number;
}

/** Everything the state machine knows. */
export interface Machine {
  readonly state: CircuitState;
  /** Bumped on every state change; a call remembers the generation it started in. */
  readonly generation: number;
  /** Opens in a row since the breaker last closed. */
  readonly opens: number;
  /** While open: when half-open begins. */
  readonly openUntil: number;
  /** While half-open: the probes running now. */
  readonly probes: readonly Probe[];
  /** While half-open: probes that succeeded. */
  readonly probeSuccesses: number;
  readonly nextProbeId: number;
  /** While isolated: handles not yet released. */
  readonly isolations: number;
  /** Bumped by `reset`, which voids every isolation handle. */
  readonly isolationEpoch: number;
  /**
   * The generation in which the window was last emptied (closing, `reset`).
   * A call that started before it belongs to a window that is gone: it is
   * not recorded, so it can never help open the breaker again.
   */
  readonly windowSince: number;
}

/** What the machine needs from the options. */
export interface MachineRules {
  readonly probes: number;
  readonly maxWait: number;
  openFor(opens: number): number;
}

/** One state change, as the `stateChange` event reports it. */
export interface StateChange {
  readonly from: CircuitState;
  readonly to: CircuitState;
  readonly reason: StateChangeReason;
  /** When the change took effect, for a change that time alone made (noticed later); else absent (now). */
  readonly at?: number;
}

/** The result of a transition: the next machine and the changes on the way (often none). */
export interface Step {
  readonly machine: Machine;
  readonly changes: readonly StateChange[];
}

const NO_CHANGES: readonly StateChange[] = /* @__PURE__ */ Object.freeze([]);
const NO_PROBES: readonly Probe[] = /* @__PURE__ */ Object.freeze([]);

/** A closed breaker that never opened. */
export const INITIAL_MACHINE: Machine = /* @__PURE__ */ Object.freeze({
  state: 'closed',
  generation: 0,
  opens: 0,
  openUntil: 0,
  probes: NO_PROBES,
  probeSuccesses: 0,
  nextProbeId: 0,
  isolations: 0,
  isolationEpoch: 0,
  windowSince: 0,
});

function unchanged(machine: Machine): Step {
  return { machine, changes: NO_CHANGES };
}

type Fields = Omit<Machine, 'generation' | 'nextProbeId' | 'isolationEpoch' | 'windowSince'>;

function moved(from: Machine, next: Fields, reason: StateChangeReason, changes: StateChange[], at?: number): Machine {
  changes.push(
    at === undefined ? { from: from.state, to: next.state, reason } : { from: from.state, to: next.state, reason, at },
  );
  const generation = from.generation + 1;
  return {
    ...next,
    generation,
    nextProbeId: from.nextProbeId,
    isolationEpoch: from.isolationEpoch,
    // Closing empties the window.
    windowSince: next.state === 'closed' ? generation : from.windowSince,
  };
}

function opened(
  from: Machine,
  at: number,
  reason: StateChangeReason,
  rules: MachineRules,
  changes: StateChange[],
  lazily = false,
): Machine {
  const opens = from.opens + 1;
  return moved(
    from,
    { state: 'open', opens, openUntil: at + rules.openFor(opens), probes: NO_PROBES, probeSuccesses: 0, isolations: 0 },
    reason,
    changes,
    lazily ? at : undefined,
  );
}

function closed(from: Machine, reason: StateChangeReason, changes: StateChange[]): Machine {
  return moved(
    from,
    { state: 'closed', opens: 0, openUntil: 0, probes: NO_PROBES, probeSuccesses: 0, isolations: 0 },
    reason,
    changes,
  );
}

function oldestProbeStart(probes: readonly Probe[]): number {
  let oldest = Infinity;
  for (const p of probes) if (p.startedAt < oldest) oldest = p.startedAt;
  return oldest;
}

/**
 * Applies what time alone does: `openFor` elapsing (at exactly `openUntil`,
 * too) and probes outliving `maxWait`. Each change happens at its own moment,
 * so the result does not depend on when the state is read.
 */
export function elapse(machine: Machine, now: number, rules: MachineRules): Step {
  let m = machine;
  let changes: StateChange[] | undefined;
  for (;;) {
    if (m.state === 'open' && now >= m.openUntil) {
      changes ??= [];
      const at = m.openUntil;
      m = moved(
        m,
        { state: 'halfOpen', opens: m.opens, openUntil: 0, probes: NO_PROBES, probeSuccesses: 0, isolations: 0 },
        'openElapsed',
        changes,
        at,
      );
    } else if (m.state === 'halfOpen' && m.probes.length > 0) {
      const expiry = oldestProbeStart(m.probes) + rules.maxWait;
      if (!(now >= expiry)) break;
      changes ??= [];
      m = opened(m, expiry, 'probeFailed', rules, changes, true);
    } else {
      break;
    }
  }
  return changes === undefined ? unchanged(m) : { machine: m, changes };
}

/** A closed breaker's window says open. */
export function trip(machine: Machine, now: number, reason: StateChangeReason, rules: MachineRules): Step {
  if (machine.state !== 'closed') return unchanged(machine);
  const changes: StateChange[] = [];
  return { machine: opened(machine, now, reason, rules, changes), changes };
}

/** Takes a probe place in half-open; `undefined` when none is free. */
export function admitProbe(
  machine: Machine,
  now: number,
  rules: MachineRules,
): { machine: Machine; probe: Probe } | undefined {
  if (machine.state !== 'halfOpen' || machine.probes.length >= rules.probes) return undefined;
  const probe: Probe = { id: machine.nextProbeId, startedAt: now };
  return { machine: { ...machine, probes: [...machine.probes, probe], nextProbeId: machine.nextProbeId + 1 }, probe };
}

function withoutProbe(machine: Machine, id: number): readonly Probe[] | undefined {
  const i = machine.probes.findIndex((p) => p.id === id);
  if (i === -1) return undefined;
  return machine.probes.filter((p) => p.id !== id);
}

/**
 * A probe settled. `'neither'` (the caller aborted, or the attempt never
 * reached the dependency) frees its place without deciding anything. A probe
 * of an earlier half-open period changes nothing.
 */
export function probeSettled(
  machine: Machine,
  id: number,
  now: number,
  outcome: 'success' | 'failure' | 'neither',
  rules: MachineRules,
): Step {
  if (machine.state !== 'halfOpen') return unchanged(machine);
  const rest = withoutProbe(machine, id);
  if (rest === undefined) return unchanged(machine);
  if (outcome === 'neither') return unchanged({ ...machine, probes: rest });
  const changes: StateChange[] = [];
  if (outcome === 'failure') return { machine: opened(machine, now, 'probeFailed', rules, changes), changes };
  const successes = machine.probeSuccesses + 1;
  if (successes >= rules.probes) return { machine: closed(machine, 'probesSucceeded', changes), changes };
  return unchanged({ ...machine, probes: rest, probeSuccesses: successes });
}

/** `isolate()`: holds the breaker open until every handle is released. */
export function isolate(machine: Machine): Step {
  if (machine.state === 'isolated') return unchanged({ ...machine, isolations: machine.isolations + 1 });
  const changes: StateChange[] = [];
  const next = moved(
    machine,
    { state: 'isolated', opens: machine.opens, openUntil: 0, probes: NO_PROBES, probeSuccesses: 0, isolations: 1 },
    'isolated',
    changes,
  );
  return { machine: next, changes };
}

/** A handle from `isolate()` was released; the last one closes the breaker. */
export function release(machine: Machine, isolationEpoch: number): Step {
  if (machine.state !== 'isolated' || isolationEpoch !== machine.isolationEpoch || machine.isolations === 0)
    return unchanged(machine);
  if (machine.isolations > 1) return unchanged({ ...machine, isolations: machine.isolations - 1 });
  const changes: StateChange[] = [];
  return { machine: closed(machine, 'released', changes), changes };
}

/**
 * `reset()`: closed with an empty window, whatever the state (a closed
 * breaker starts a new generation too, so calls in flight are not recorded);
 * every isolation handle is void.
 */
export function reset(machine: Machine): Step {
  const changes: StateChange[] = [];
  if (machine.state !== 'closed') {
    const next = closed(machine, 'reset', changes);
    return { machine: { ...next, isolationEpoch: machine.isolationEpoch + 1 }, changes };
  }
  const generation = machine.generation + 1;
  return {
    machine: { ...machine, generation, windowSince: generation, isolationEpoch: machine.isolationEpoch + 1 },
    changes,
  };
}

/** The machine a snapshot describes, at `now`. */
export function restoredMachine(state: CircuitState, opens: number, retryAfter: number, now: number): Machine {
  return {
    ...INITIAL_MACHINE,
    state,
    opens: state === 'closed' ? 0 : opens,
    openUntil: state === 'open' ? now + retryAfter : 0,
  };
}
