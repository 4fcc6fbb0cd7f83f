import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { seededRandom, VirtualClock } from '../../src/testing/index.js';

describe('VirtualClock', () => {
  it('starts at 0 or at the given time and moves only when told', async () => {
    expect(new VirtualClock().now()).toBe(0);
    const clock = new VirtualClock(1_000);
    expect(clock.now()).toBe(1_000);
    await clock.advance(250);
    expect(clock.now()).toBe(1_250);
  });

  it('runs due timers in time order, ties in the order they were set, with now() at each due time', async () => {
    const clock = new VirtualClock();
    const log: string[] = [];
    clock.setTimeout(() => log.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => log.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => log.push(`c@${clock.now()}`), 20);
    clock.setTimeout(() => log.push(`late@${clock.now()}`), 31);
    expect(clock.pending).toBe(4);
    await clock.advance(30);
    expect(log).toEqual(['a@10', 'b@20', 'c@20']);
    expect(clock.pending).toBe(1);
    expect(clock.now()).toBe(30);
  });

  it('runs timers that are scheduled during an advance when they fall due within it', async () => {
    const clock = new VirtualClock();
    const log: number[] = [];
    const tick = () => {
      log.push(clock.now());
      if (log.length < 5) clock.setTimeout(tick, 10);
    };
    clock.setTimeout(tick, 10);
    await clock.advance(45);
    expect(log).toEqual([10, 20, 30, 40]);
    expect(clock.pending).toBe(1);
  });

  it('lets promise callbacks run between timers, so awaited work can schedule the next timer', async () => {
    const clock = new VirtualClock();
    const sleep = (ms: number) => new Promise<void>((r) => clock.setTimeout(r, ms));
    const log: number[] = [];
    const job = (async () => {
      for (let i = 0; i < 3; i++) {
        await sleep(100);
        await Promise.resolve();
        log.push(clock.now());
      }
    })();
    await clock.advance(300);
    await job;
    expect(log).toEqual([100, 200, 300]);
  });

  it('clearTimeout cancels, ignores unknown handles and cleared timers, and keeps pending right', async () => {
    const clock = new VirtualClock();
    let ran = false;
    const h = clock.setTimeout(() => {
      ran = true;
    }, 5);
    clock.clearTimeout(h);
    clock.clearTimeout(h);
    clock.clearTimeout(undefined);
    clock.clearTimeout({});
    expect(clock.pending).toBe(0);
    await clock.advance(10);
    expect(ran).toBe(false);
  });

  it('treats negative and NaN delays as 0', async () => {
    const clock = new VirtualClock();
    const log: number[] = [];
    clock.setTimeout(() => log.push(1), -5);
    clock.setTimeout(() => log.push(2), NaN);
    await clock.advance(0);
    expect(log).toEqual([1, 2]);
  });

  it('runAll runs everything, moving time to the last due time, and stops a runaway loop', async () => {
    const clock = new VirtualClock();
    clock.setTimeout(() => {}, 500);
    clock.setTimeout(() => {}, 1_500);
    await clock.runAll();
    expect(clock.now()).toBe(1_500);
    expect(clock.pending).toBe(0);
    const loop = () => clock.setTimeout(loop, 1);
    loop();
    await expect(clock.runAll(100)).rejects.toThrow('runAll ran 100 timers');
  });

  it('rejects bad input', async () => {
    expect(() => new VirtualClock(NaN)).toThrow(RangeError);
    await expect(new VirtualClock().advance(-1)).rejects.toThrow(RangeError);
  });

  it('property: timers fire in (due, insertion) order whatever the schedule', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 100 }), fc.boolean()), { maxLength: 60 }),
        async (specs) => {
          const clock = new VirtualClock();
          const fired: number[] = [];
          const handles = specs.map(([ms], i) => clock.setTimeout(() => fired.push(i), ms));
          specs.forEach(([, cancel], i) => {
            if (cancel) clock.clearTimeout(handles[i]);
          });
          await clock.advance(100);
          const expected = specs
            .map(([ms, cancel], i) => ({ ms, cancel, i }))
            .filter((s) => !s.cancel)
            .sort((a, b) => a.ms - b.ms || a.i - b.i)
            .map((s) => s.i);
          expect(fired).toEqual(expected);
          expect(clock.pending).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('seededRandom', () => {
  it('is deterministic per seed, in [0, 1), and differs across seeds', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const xs = Array.from({ length: 1_000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1_000 }, () => b()));
    expect(xs).not.toEqual(Array.from({ length: 1_000 }, () => c()));
    for (const x of xs) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05);
  });

  it('rejects a non-number seed', () => {
    expect(() => seededRandom('a' as never)).toThrow(TypeError);
  });
});
