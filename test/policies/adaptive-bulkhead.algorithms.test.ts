// Golden tests for the limit algorithms and the sampling window, derived by
// hand from the published algorithms (Netflix concurrency-limits: AIMDLimit,
// Gradient2Limit, VegasLimit, WindowedLimit with an average window).
import { describe, expect, it } from 'vitest';
import { AimdLimit } from '../../src/policies/adaptive-bulkhead/aimd.js';
import type { LimitWindow } from '../../src/policies/adaptive-bulkhead/algorithm.js';
import { Gradient2Limit } from '../../src/policies/adaptive-bulkhead/gradient2.js';
import { log10Root, VegasLimit, vegasAlpha, vegasBeta } from '../../src/policies/adaptive-bulkhead/vegas.js';
import { SamplingWindow } from '../../src/policies/adaptive-bulkhead/window.js';
import { seededRandom } from '../../src/testing/index.js';

const seen = (fields: Partial<LimitWindow>): LimitWindow => ({
  rtt: 10,
  minRtt: 10,
  inFlight: 0,
  samples: 10,
  didDrop: false,
  at: 0,
  ...fields,
});
const bounds = { initialLimit: 20, minLimit: 1, maxLimit: 200 };

describe('AIMD', () => {
  const aimd = new AimdLimit(0.9, 5_000);

  it('takes 30 to 27 on a drop (floor of 30 × 0.9)', () => {
    expect(aimd.update(seen({ didDrop: true, inFlight: 30 }), 30)).toBe(27);
  });

  it('adds one on a success with in-flight >= limit / 2, and holds below that', () => {
    expect(aimd.update(seen({ inFlight: 15 }), 30)).toBe(31);
    expect(aimd.update(seen({ inFlight: 30 }), 30)).toBe(31);
    expect(aimd.update(seen({ inFlight: 14 }), 30)).toBe(30);
  });

  it('counts a window slower than its timeout (5 s by default) as a drop', () => {
    expect(aimd.update(seen({ rtt: 5_001, inFlight: 30 }), 30)).toBe(27);
    expect(aimd.update(seen({ rtt: 5_000, inFlight: 30 }), 30)).toBe(31);
  });

  it('always loses at least one on a drop, and never goes below 1', () => {
    expect(aimd.update(seen({ didDrop: true }), 5)).toBe(4); // floor(4.5) = 4
    expect(aimd.update(seen({ didDrop: true }), 2)).toBe(1);
    expect(aimd.update(seen({ didDrop: true }), 1)).toBe(1);
    expect(new AimdLimit(0.99, 5_000).update(seen({ didDrop: true }), 10)).toBe(9); // floor(9.9) = 9
    expect(new AimdLimit(0.5, 5_000).update(seen({ didDrop: true }), 30)).toBe(15);
  });
});

describe('Gradient2', () => {
  const settings = { smoothing: 0.2, rttTolerance: 1.5, longWindow: 600, queueSize: 4 };

  it('grows by smoothing × queueSize (0.8) a window while latency holds, keeping the fraction', () => {
    const g = new Gradient2Limit(settings, bounds);
    // 20 × 0.8 + (20 × 1 + 4) × 0.2 = 20.8, then 21.6, 22.4, 23.2, 24.0
    const limits = [];
    let limit = 20;
    for (let i = 0; i < 5; i++) limits.push((limit = g.update(seen({ rtt: 10, inFlight: 20 }), limit)));
    expect(limits).toEqual([20, 21, 22, 23, 24]);
  });

  it('scales by the gradient rttTolerance × long / short, at least 0.5', () => {
    const g = new Gradient2Limit(settings, bounds);
    expect(g.update(seen({ rtt: 10, inFlight: 20 }), 20)).toBe(20); // 20.8; long 10
    // long = (10 + 40) / 2 = 25 (warm-up average); gradient 1.5 × 25 / 40 = 0.9375
    // target 20.8 × 0.9375 + 4 = 23.5; 20.8 × 0.8 + 23.5 × 0.2 = 21.34
    expect(g.update(seen({ rtt: 40, inFlight: 20 }), 20)).toBe(21);
    // long = (10 + 40 + 400) / 3 = 150; gradient max(0.5, 1.5 × 150 / 400 = 0.5625) = 0.5625
    // target 21.34 × 0.5625 + 4 = 16.00375; 21.34 × 0.8 + 16.00375 × 0.2 = 20.27275
    expect(g.update(seen({ rtt: 400, inFlight: 20 }), 21)).toBe(20);
    // long = (10 + 40 + 400 + 4000) / 4 = 1112.5; gradient max(0.5, 0.417) = 0.5
    // target 20.27275 × 0.5 + 4 = 14.136375; 20.27275 × 0.8 + 14.136375 × 0.2 = 19.0454750
    expect(g.update(seen({ rtt: 4000, inFlight: 20 }), 20)).toBe(19);
  });

  it('does not grow while under half the limit is in use', () => {
    const g = new Gradient2Limit(settings, bounds);
    expect(g.update(seen({ rtt: 10, inFlight: 9 }), 20)).toBe(20);
    expect(g.update(seen({ rtt: 10, inFlight: 9 }), 20)).toBe(20);
    expect(g.update(seen({ rtt: 10, inFlight: 10 }), 20)).toBe(20); // 10 >= 20 / 2: 20.8
    expect(g.update(seen({ rtt: 10, inFlight: 10 }), 20)).toBe(20); // 10 < 20.8 / 2: hold
    expect(g.update(seen({ rtt: 10, inFlight: 11 }), 20)).toBe(21); // 21.6
  });

  it('keeps the estimate within its bounds and restarts from a limit set elsewhere', () => {
    const g = new Gradient2Limit(settings, { initialLimit: 20, minLimit: 5, maxLimit: 21 });
    let limit = 20;
    for (let i = 0; i < 5; i++) limit = g.update(seen({ rtt: 10, inFlight: 20 }), limit);
    expect(limit).toBe(21);
    // The bulkhead says the limit is 10 now: the next window starts from 10 (10 × 0.8 + 14 × 0.2 = 10.8).
    expect(g.update(seen({ rtt: 10, inFlight: 20 }), 10)).toBe(10);
  });

  it('pulls the long average down by 5 % when it is more than twice the window RTT, then grows again', () => {
    const g = new Gradient2Limit(settings, bounds);
    let limit = 20;
    for (let i = 0; i < 10; i++) limit = g.update(seen({ rtt: 100, inFlight: 200 }), limit);
    // long 100 after warm-up; a window of 10 ms: long = 100 × 599/601 + 10 × 2/601 = 99.70; 9.97 > 2, so long × 0.95.
    // The gradient is clamped to 1 either way: growth goes on.
    expect(g.update(seen({ rtt: 10, inFlight: 200 }), limit)).toBe(Math.floor(20 + 0.8 * 11 + 1e-9));
  });

  it('ignores a window with no timed sample', () => {
    const g = new Gradient2Limit(settings, bounds);
    expect(g.update(seen({ rtt: 0, minRtt: 0, didDrop: true, inFlight: 20 }), 20)).toBe(20);
  });
});

describe('Vegas', () => {
  const settings = { smoothing: 1, probeMultiplier: 30, alpha: vegasAlpha, beta: vegasBeta };

  it('log10Root is max(1, floor(log10 n)) below 1,000 and floor(sqrt n) from there', () => {
    expect([1, 9, 10, 99, 100, 999, 1000, 2500].map(log10Root)).toEqual([1, 1, 1, 1, 2, 2, 31, 50]);
    expect([vegasAlpha(20), vegasBeta(20), vegasAlpha(150), vegasBeta(150)]).toEqual([3, 6, 6, 12]);
  });

  it('takes the first RTT as no-load, grows by beta without queueing, shrinks when the queue passes beta', () => {
    const v = new VegasLimit(settings, bounds, () => 0.99);
    expect(v.update(seen({ rtt: 10, inFlight: 20 }), 20)).toBe(20); // no-load RTT := 10
    // queue = ceil(20 × (1 − 10/10)) = 0 <= threshold 1: + beta (6)
    expect(v.update(seen({ rtt: 10, inFlight: 20 }), 20)).toBe(26);
    // queue = ceil(26 × (1 − 10/11)) = 3 > threshold 1, < alpha 3? no (3 is not < 3); > beta 6? no: hold
    expect(v.update(seen({ rtt: 11, inFlight: 26 }), 26)).toBe(26);
    // queue = ceil(26 × (1 − 10/10.5)) = 2: > threshold 1 and < alpha 3: + log10Root (1)
    expect(v.update(seen({ rtt: 10.5, inFlight: 26 }), 26)).toBe(27);
    // queue = ceil(27 × (1 − 10/20)) = 14 > beta 6: − 1
    expect(v.update(seen({ rtt: 20, inFlight: 27 }), 27)).toBe(26);
    // a drop: − 1
    expect(v.update(seen({ rtt: 10, didDrop: true, inFlight: 1 }), 26)).toBe(25);
    // under half in use, no drop: hold
    expect(v.update(seen({ rtt: 10, inFlight: 12 }), 25)).toBe(25);
    // a faster window is the new no-load RTT, and holds
    expect(v.update(seen({ rtt: 5, inFlight: 25 }), 25)).toBe(25);
  });

  it('probes the no-load RTT again after probeMultiplier × limit × jitter windows, jitter from random', () => {
    // jitter = 0.5 + 0.5 × 0 = 0.5: with probeMultiplier 0.2 and limit 20, a probe once 2 windows are counted.
    const v = new VegasLimit({ ...settings, probeMultiplier: 0.2 }, bounds, () => 0);
    expect(v.update(seen({ rtt: 10, inFlight: 20 }), 20)).toBe(20); // count 1: no-load 10
    expect(v.update(seen({ rtt: 100, inFlight: 20 }), 20)).toBe(20); // count 2 >= 2: probe, no-load := 100
    // queue = ceil(20 × (1 − 100/100)) = 0 <= threshold: + beta
    expect(v.update(seen({ rtt: 100, inFlight: 20 }), 20)).toBe(26);
    // Without the probe, 100 ms against a 10 ms no-load is a queue of ceil(20 × 0.9) = 18 > beta: − 1.
    const noProbe = new VegasLimit({ ...settings, probeMultiplier: 1_000 }, bounds, () => 0);
    noProbe.update(seen({ rtt: 10, inFlight: 20 }), 20);
    expect(noProbe.update(seen({ rtt: 100, inFlight: 20 }), 20)).toBe(19);
  });

  it('is reproducible from a seed', () => {
    const run = (seed: number): number[] => {
      const v = new VegasLimit({ ...settings, probeMultiplier: 0.2 }, bounds, seededRandom(seed));
      const random = seededRandom(7);
      const out: number[] = [];
      let limit = 20;
      for (let i = 0; i < 200; i++)
        out.push((limit = v.update(seen({ rtt: 5 + random() * 20, inFlight: limit }), limit)));
      return out;
    };
    expect(run(1)).toEqual(run(1));
    expect(run(1)).not.toEqual(run(2));
  });
});

describe('sampling window', () => {
  const settings = { minMs: 1_000, maxMs: 1_000, minSamples: 10, minRttMs: 0.1 };

  it('opens on the first sample, ends on the first sample that settles after it, and hands over averages', () => {
    const w = new SamplingWindow(settings);
    expect(w.add(100, 10, 3, false)).toBeUndefined(); // opens: ends at 1,100
    for (let i = 1; i < 9; i++) expect(w.add(100 + i * 100, 20, 5, false)).toBeUndefined();
    expect(w.add(1_100, 30, 4, false)).toBeUndefined(); // not after the end yet
    const seenAt = w.add(1_101, 40, 2, true);
    // 11 samples: 10 + 8 × 20 + 30 + 40 = 240; 240 / 11
    expect(seenAt).toEqual({ rtt: 240 / 11, minRtt: 10, inFlight: 5, samples: 11, didDrop: true, at: 1_101 });
    expect(Object.isFrozen(seenAt)).toBe(true);
  });

  it('throws away a window with fewer than minSamples samples, and starts the next one', () => {
    const w = new SamplingWindow(settings);
    w.add(0, 10, 1, false);
    expect(w.add(1_001, 10, 1, false)).toBeUndefined(); // 2 samples < 10
    for (let i = 0; i < 9; i++) w.add(1_500, 10, 1, false);
    expect(w.add(2_002, 10, 1, false)?.samples).toBe(10);
  });

  it('ignores samples under 100 µs unless they dropped; a fast drop counts without its RTT', () => {
    const w = new SamplingWindow({ ...settings, minSamples: 2 });
    w.add(0, 10, 1, false);
    expect(w.add(2_000, 0.05, 1, false)).toBeUndefined(); // ignored: the window is still open
    expect(w.add(2_000, 0.05, 9, true)).toEqual({
      rtt: 10,
      minRtt: 10,
      inFlight: 9,
      samples: 2,
      didDrop: true,
      at: 2_000,
    });
    const onlyFast = new SamplingWindow({ ...settings, minSamples: 1 });
    onlyFast.add(0, 0, 1, true);
    expect(onlyFast.add(2_000, 0, 1, true)).toEqual({
      rtt: 0,
      minRtt: 0,
      inFlight: 1,
      samples: 2,
      didDrop: true,
      at: 2_000,
    });
  });

  it('lasts twice the shortest RTT, kept within [minMs, maxMs]', () => {
    const w = new SamplingWindow({ minMs: 100, maxMs: 1_000, minSamples: 1, minRttMs: 0 });
    w.add(0, 30, 1, false); // ends at 0 + max(100, 60) = 100
    expect(w.add(100, 30, 1, false)).toBeUndefined();
    expect(w.add(101, 300, 1, false)?.samples).toBe(3); // next: 101 + 2 × 30 = 161 → clamp 100 → 201
    expect(w.add(201, 300, 1, false)).toBeUndefined();
    expect(w.add(202, 300, 1, false)).toBeDefined(); // window of 600: ends at 802
    expect(w.add(802, 1, 1, false)).toBeUndefined();
    expect(w.add(803, 1, 1, false)).toBeDefined();
  });
});
