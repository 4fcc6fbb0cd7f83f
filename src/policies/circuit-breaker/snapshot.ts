/** Snapshots: what `snapshot()` writes and `initialState` reads back, validated. */
import { describe } from '../../core/validate.js';
import { CIRCUIT_BREAKER_KIND, CIRCUIT_STATES, MAX_WINDOW_BUCKETS, SNAPSHOT_VERSION } from './constants.js';
import type { CircuitState } from './events.js';
import type { WindowSnapshot } from './windows.js';

export type { WindowSnapshot } from './windows.js';

/**
 * A breaker's state as plain JSON: times are relative (`retryAfter`), so a
 * snapshot moves between processes whose clocks differ.
 */
export interface BreakerSnapshot {
  /** The snapshot format; 1. */
  readonly version: number;
  readonly state: CircuitState;
  /** Opens in a row (what an `openFor` function receives next, minus one). */
  readonly opens: number;
  /** While open: milliseconds left before half-open; else 0. */
  readonly retryAfter: number;
  readonly window: WindowSnapshot;
}

type Fail = (path: string, expected: string, value: unknown, kind?: 'type' | 'range') => never;

const fail: Fail = (path, expected, value, kind = 'range') => {
  const message = `${CIRCUIT_BREAKER_KIND}: initialState${path} must be ${expected}, got ${describe(value)}`;
  throw kind === 'type' ? new TypeError(message) : new RangeError(message);
};

function record(path: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, 'an object', value, 'type');
  return value as Record<string, unknown>;
}

function integer(path: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const expected = `an integer in [${min}, ${max}]`;
  if (typeof value !== 'number') fail(path, expected, value, 'type');
  if (!Number.isInteger(value) || value < min || value > max) fail(path, expected, value);
  return value;
}

function windowSnapshot(value: unknown): WindowSnapshot {
  const w = record('.window', value);
  switch (w.kind) {
    case 'consecutive':
      return { kind: 'consecutive', failures: integer('.window.failures', w.failures, 0) };
    case 'count': {
      const size = integer('.window.size', w.size, 1);
      const outcomes = w.outcomes;
      if (typeof outcomes !== 'string' || !/^[0-3]*$/.test(outcomes) || outcomes.length > size) {
        fail(
          '.window.outcomes',
          `a string of at most ${size} digits 0-3`,
          outcomes,
          typeof outcomes === 'string' ? 'range' : 'type',
        );
      }
      return { kind: 'count', size, outcomes };
    }
    case 'time': {
      const ms = w.ms;
      if (typeof ms !== 'number' || !(ms > 0) || !Number.isFinite(ms)) {
        fail('.window.ms', 'a positive finite number', ms, typeof ms === 'number' ? 'range' : 'type');
      }
      const buckets = integer('.window.buckets', w.buckets, 1, MAX_WINDOW_BUCKETS);
      if (!Array.isArray(w.data) || w.data.length > buckets) {
        fail(
          '.window.data',
          `an array of at most ${buckets} buckets`,
          w.data,
          Array.isArray(w.data) ? 'range' : 'type',
        );
      }
      const data: [number, number, number, number][] = [];
      let previousAge = buckets;
      w.data.forEach((entry: unknown, i: number) => {
        const path = `.window.data[${i}]`;
        if (!Array.isArray(entry) || entry.length !== 4)
          fail(path, 'an array [age, calls, failures, slowCalls]', entry, 'type');
        const age = integer(`${path}[0]`, entry[0], 0, previousAge - 1);
        const calls = integer(`${path}[1]`, entry[1], 1);
        const failures = integer(`${path}[2]`, entry[2], 0, calls);
        const slowCalls = integer(`${path}[3]`, entry[3], 0, calls);
        previousAge = age;
        data.push([age, calls, failures, slowCalls]);
      });
      return { kind: 'time', ms, buckets, data };
    }
    default:
      return fail('.window.kind', 'one of "consecutive", "count", "time"', w.kind);
  }
}

/** Checks a snapshot read back from storage; throws a TypeError or RangeError naming the field. */
export function validateSnapshot(value: unknown): BreakerSnapshot {
  const s = record('', value);
  if (s.version !== SNAPSHOT_VERSION) fail('.version', String(SNAPSHOT_VERSION), s.version);
  const state = s.state;
  if (typeof state !== 'string' || !(CIRCUIT_STATES as readonly string[]).includes(state)) {
    fail(
      '.state',
      CIRCUIT_STATES.map((x) => JSON.stringify(x))
        .join(', ')
        .replace(/^/, 'one of '),
      state,
    );
  }
  const opens = integer('.opens', s.opens, 0);
  const retryAfter = s.retryAfter;
  if (typeof retryAfter !== 'number' || !(retryAfter >= 0) || !Number.isFinite(retryAfter)) {
    fail('.retryAfter', 'a finite number >= 0', retryAfter, typeof retryAfter === 'number' ? 'range' : 'type');
  }
  return {
    version: SNAPSHOT_VERSION,
    state: state as CircuitState,
    opens,
    retryAfter,
    window: windowSnapshot(s.window),
  };
}
