// Acceptance on the simulated dependency (scripts/adaptive-sim.mjs): capacity
// C = 50, 50 ms at or under capacity, an open load of 1,200 calls/s (more than
// the dependency can serve), all on a VirtualClock.
import { describe, expect, it } from 'vitest';
import { adaptiveBulkhead, pipeline, timeout } from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';
import { runLoad, simulatedDependency, type SeriesPoint } from '../../scripts/adaptive-sim.mjs';

const C = 50;
const LATENCY_MS = 50;
const RATE = 1_200;
const STEP_AFTER_MS = 60_000;
const STEP_WINDOWS = 7;
const WINDOW_MS = 1_000;
/** A window ends on the first sample after its end time: allow a little for seven of them. */
const WINDOWS_SLACK_MS = 200;

interface Run {
  series: SeriesPoint[];
  changes: { at: number; from: number; to: number }[];
  stepAt: number;
  before: number;
  undoAt: number;
  maxActiveOverLimit: number;
}

/**
 * Runs 100 simulated seconds: constant load, then (at the first window end
 * after 60 s) a 5× latency step for eight windows, then the old latency again.
 */
async function simulate(algorithm: 'aimd' | 'gradient2' | 'vegas'): Promise<Run> {
  const clock = new VirtualClock();
  const dependency = simulatedDependency({ clock, capacity: C, latencyMs: LATENCY_MS });
  const policy = adaptiveBulkhead({ algorithm, clock });
  // Loss-based AIMD learns from drops: a per-call timeout at 1.5× the healthy latency.
  const execute = algorithm === 'aimd' ? pipeline(policy, timeout(LATENCY_MS * 1.5, { clock })) : policy;
  const changes: Run['changes'] = [];
  let stepAt = Number.NaN;
  let before = Number.NaN;
  let undoAt = Number.NaN;
  policy.on('limitChanged', ({ at, from, to }) => {
    changes.push({ at, from, to });
    // The step lands at a window's end, so that every window counted after it sees the new latency.
    if (Number.isNaN(stepAt) && at >= STEP_AFTER_MS) {
      stepAt = at;
      before = to;
      dependency.slowdown = 5;
      clock.setTimeout(
        () => {
          undoAt = clock.now();
          dependency.slowdown = 1;
        },
        (STEP_WINDOWS + 1) * WINDOW_MS,
      );
    }
  });
  const { series, totals } = await runLoad({
    clock,
    policy,
    execute: (fn) => execute.execute(fn),
    dependency,
    ratePerSecond: RATE,
    durationMs: 100_000,
  });
  expect(policy.active).toBe(0);
  expect(clock.pending).toBe(0);
  return { series, changes, stepAt, before, undoAt, maxActiveOverLimit: totals.maxActiveOverLimit };
}

/** The limit in force at time `t`, from the limitChanged events. */
function limitAt(run: Run, t: number): number {
  let limit = 20;
  for (const c of run.changes) {
    if (c.at > t) break;
    limit = c.to;
  }
  return limit;
}

/** The series points in [from, to) whose limit is outside ±20 % of C. */
function outsideBand(run: Run, from: number, to: number): SeriesPoint[] {
  const points = run.series.filter((p) => p.t >= from && p.t < to);
  expect(points.length).toBeGreaterThan((to - from) / 250 - 2);
  return points.filter((p) => !within20(p.limit));
}

const within20 = (limit: number): boolean => limit >= 0.8 * C && limit <= 1.2 * C;

describe.each(['aimd', 'gradient2'] as const)(
  'adaptiveBulkhead %s against a dependency of capacity 50',
  (algorithm) => {
    let run: Run;

    it('settles within ±20 % of 50 within 30 simulated seconds and stays there under constant load', async () => {
      run = await simulate(algorithm);
      const reached = run.changes.find((c) => within20(c.to));
      expect(reached?.at).toBeLessThanOrEqual(30_000);
      expect(run.stepAt - 30_000).toBeGreaterThanOrEqual(30_000);
      expect(outsideBand(run, 30_000, run.stepAt)).toEqual([]);
      // Never more in flight than the limit when a call was admitted.
      expect(run.maxActiveOverLimit).toBeLessThanOrEqual(0);
    }, 60_000);

    it('falls below 0.6× its previous limit within 7 windows of a 5× latency step', () => {
      const by = run.stepAt + STEP_WINDOWS * WINDOW_MS + WINDOWS_SLACK_MS;
      expect(limitAt(run, by)).toBeLessThan(0.6 * run.before);
    });

    it('recovers to within 20 % of 50 within 30 s after the step is undone', () => {
      expect(run.undoAt).toBeGreaterThan(run.stepAt);
      const by = run.undoAt + 30_000;
      const recovered = run.changes.find((c) => c.at > run.undoAt && within20(c.to));
      expect(recovered?.at).toBeLessThanOrEqual(by);
      expect(within20(limitAt(run, by))).toBe(true);
    });
  },
);

describe('adaptiveBulkhead vegas against the same dependency', () => {
  it('settles within ±20 % of 50 too, and never admits above its limit', async () => {
    const run = await simulate('vegas');
    expect(within20(limitAt(run, 30_000))).toBe(true);
    // Vegas holds its limit once settled, so no window end after 60 s brings a step: the load stays constant.
    expect(Number.isNaN(run.stepAt)).toBe(true);
    expect(outsideBand(run, 30_000, 100_000)).toEqual([]);
    expect(run.maxActiveOverLimit).toBeLessThanOrEqual(0);
  }, 60_000);
});
