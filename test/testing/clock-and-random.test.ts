import { describe, expect, it } from 'vitest';
import { seededRandom, VirtualClock } from '../../src/testing/index.js';

describe('seededRandom', () => {
  it('gives the same pinned sequence for a seed, in [0, 1)', () => {
    const r = seededRandom(42);
    const values = [r(), r(), r()];
    const again = seededRandom(42);
    expect([again(), again(), again()]).toEqual(values);
    expect(values.map((v) => v.toFixed(10))).toEqual(['0.6011037519', '0.4482905590', '0.8524657935']);
    expect(seededRandom(42.9)()).toBe(seededRandom(42)());
    expect(seededRandom(1)()).not.toBe(seededRandom(2)());
  });

  it.each([NaN, Infinity, '1', undefined])('rejects the seed %s naming it', (seed) => {
    expect(() => seededRandom(seed as number)).toThrow(TypeError);
    expect(() => seededRandom(seed as number)).toThrow(
      `seededRandom: seed must be a finite number, got ${String(seed)}`,
    );
  });
});

describe('VirtualClock edges', () => {
  it('names a bad start and a bad advance', async () => {
    expect(() => new VirtualClock(NaN)).toThrow('VirtualClock: start must be a finite number, got NaN');
    expect(() => new VirtualClock('1' as never)).toThrow(RangeError);
    const clock = new VirtualClock(5);
    expect(clock.now()).toBe(5);
    await expect(clock.advance(-1)).rejects.toThrow('VirtualClock: advance(ms) needs a finite number >= 0, got -1');
    await expect(clock.advance(Infinity)).rejects.toThrow(RangeError);
    await expect(clock.advance('1' as never)).rejects.toThrow(RangeError);
  });

  it('runs a timer with a negative delay as a zero delay: after timers already due now', async () => {
    const clock = new VirtualClock(100);
    const order: string[] = [];
    clock.setTimeout(() => order.push('first'), 0);
    clock.setTimeout(() => order.push('negative'), -50);
    clock.setTimeout(() => order.push('nan'), NaN);
    await clock.advance(0);
    expect(order).toEqual(['first', 'negative', 'nan']);
    expect(clock.now()).toBe(100);
  });

  it('ignores clearing twice, clearing a fired timer, and handles of another clock', async () => {
    const clock = new VirtualClock();
    const other = new VirtualClock();
    const a = clock.setTimeout(() => {}, 10);
    const b = clock.setTimeout(() => {}, 20);
    other.clearTimeout(a);
    clock.clearTimeout({});
    expect(clock.pending).toBe(2);
    clock.clearTimeout(a);
    clock.clearTimeout(a);
    expect(clock.pending).toBe(1);
    await clock.runAll();
    clock.clearTimeout(b);
    expect(clock.pending).toBe(0);
  });

  it('stops runAll after exactly limit timers when they keep coming', async () => {
    const clock = new VirtualClock();
    let runs = 0;
    const again = (): void => {
      runs++;
      clock.setTimeout(again, 1);
    };
    clock.setTimeout(again, 1);
    await expect(clock.runAll(3)).rejects.toThrow('VirtualClock: runAll ran 3 timers and more keep coming');
    expect(runs).toBe(3);
  });

  it('keeps time order across many timers set in any order', async () => {
    const clock = new VirtualClock();
    const fired: number[] = [];
    const dues = [50, 10, 40, 10, 30, 20, 60, 0, 25, 35];
    dues.forEach((due) => clock.setTimeout(() => fired.push(due), due));
    await clock.runAll();
    expect(fired).toEqual([...dues].sort((x, y) => x - y));
    expect(clock.now()).toBe(60);
  });
});
