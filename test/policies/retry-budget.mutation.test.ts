// Tests that pin behaviour mutation testing found unpinned.
import { describe, expect, it } from 'vitest';
import { retryBudget } from '../../src/index.js';
import { manualClock } from '../support/manual-clock.js';
import { VirtualClock } from '../../src/testing/index.js';


describe('retryBudget: time', () => {
  it('deposits expire after windowMs on a clock that does not start at 0', async () => {
    const clock = new VirtualClock(5_000);
    const budget = retryBudget({ ratio: 1, minPerSecond: 0, windowMs: 1_000, clock });
    budget.deposit();
    budget.deposit();
    expect(budget.available).toBe(2);
    await clock.advance(500);
    expect(budget.available).toBe(2);
    await clock.advance(600);
    expect(budget.available).toBe(0);
    expect(budget.tryTake()).toBe(false);
  });

  it('a clock that steps back and forward again inside the window keeps the deposits', () => {
    const clock = manualClock(500);
    const budget = retryBudget({ ratio: 1, minPerSecond: 0, windowMs: 1_000, clock });
    budget.deposit();
    budget.deposit();
    clock.t = 250; // back by 2.5 buckets
    expect(budget.available).toBe(2);
    clock.t = 520; // forward again, still the deposits' own bucket
    expect(budget.available).toBe(2);
    expect(budget.tryTake()).toBe(true);
    expect(budget.tryTake()).toBe(true);
    expect(budget.tryTake()).toBe(false);
  });

  it('a clock that steps back takes no floor tokens away', () => {
    const clock = manualClock(10_000);
    const budget = retryBudget({ ratio: 0, minPerSecond: 4, windowMs: 1_000, clock });
    expect(budget.available).toBe(4);
    clock.t = 9_000; // one second back
    expect(budget.available).toBe(4);
    let taken = 0;
    while (budget.tryTake()) taken++;
    expect(taken).toBe(4);
  });

  it('the floor refills at minPerSecond and holds at most minPerSecond tokens', () => {
    const clock = manualClock(0);
    const budget = retryBudget({ ratio: 0, minPerSecond: 2, windowMs: 1_000, clock });
    expect(budget.tryTake()).toBe(true);
    expect(budget.tryTake()).toBe(true);
    expect(budget.tryTake()).toBe(false);
    clock.t = 500;
    expect(budget.available).toBe(1);
    clock.t = 60_000;
    expect(budget.available).toBe(2);
  });
});

describe('retryBudget: defaults', () => {
  it('without a clock it runs on the system clock: a fresh budget holds the default floor of 10', () => {
    const budget = retryBudget({ ratio: 0 });
    expect(budget.available).toBe(10);
    expect(budget.tryTake()).toBe(true);
    expect(budget.available).toBe(9);
  });
});
