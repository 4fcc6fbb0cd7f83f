import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RETRY_BUDGET_DEFAULTS, retryBudget } from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';
import { manualClock } from '../support/manual-clock.js';

describe('retryBudget', () => {
  it('a fresh default budget allows minPerSecond (10) retries at once and no more', () => {
    const clock = new VirtualClock();
    const budget = retryBudget({ clock });
    expect(RETRY_BUDGET_DEFAULTS.minPerSecond).toBe(10);
    expect(budget.available).toBe(10);
    for (let i = 0; i < 10; i++) expect(budget.tryTake()).toBe(true);
    expect(budget.tryTake()).toBe(false);
    expect(budget.available).toBe(0);
  });

  it('each deposit adds ratio tokens: 5 deposits at 0.2 pay for one retry', () => {
    const clock = new VirtualClock();
    const budget = retryBudget({ ratio: 0.2, minPerSecond: 0, clock });
    for (let i = 0; i < 4; i++) budget.deposit();
    expect(budget.available).toBe(0);
    expect(budget.tryTake()).toBe(false);
    budget.deposit();
    expect(budget.available).toBe(1);
    expect(budget.tryTake()).toBe(true);
    expect(budget.tryTake()).toBe(false);
  });

  it('pays exactly ratio × deposits when the product is not exact in binary (0.29 × 100 = 29)', () => {
    const budget = retryBudget({ ratio: 0.29, minPerSecond: 0, clock: new VirtualClock() });
    for (let i = 0; i < 100; i++) budget.deposit();
    expect(budget.available).toBe(29);
    let taken = 0;
    while (budget.tryTake()) taken++;
    expect(taken).toBe(29);
  });

  it('deposits expire after windowMs without any timer', async () => {
    const clock = new VirtualClock();
    const budget = retryBudget({ ratio: 0.5, minPerSecond: 0, windowMs: 1_000, clock });
    for (let i = 0; i < 10; i++) budget.deposit();
    expect(budget.available).toBe(5);
    expect(clock.pending).toBe(0);
    await clock.advance(899);
    expect(budget.available).toBe(5);
    await clock.advance(101);
    expect(budget.available).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('a retry paid from deposits stays on the books as long as the deposits that paid for it', async () => {
    const clock = new VirtualClock();
    const budget = retryBudget({ ratio: 1, minPerSecond: 0, windowMs: 1_000, clock });
    budget.deposit();
    await clock.advance(500);
    expect(budget.tryTake()).toBe(true);
    await clock.advance(500); // the deposit expired; the debit has not
    budget.deposit();
    expect(budget.available).toBe(0);
    await clock.advance(500); // now the debit expired too
    expect(budget.available).toBe(1);
  });

  it('the floor refills at minPerSecond per second, up to minPerSecond', async () => {
    const clock = new VirtualClock();
    const budget = retryBudget({ ratio: 0, minPerSecond: 10, clock });
    while (budget.tryTake());
    await clock.advance(99);
    expect(budget.tryTake()).toBe(false);
    await clock.advance(1);
    expect(budget.tryTake()).toBe(true);
    await clock.advance(60_000);
    expect(budget.available).toBe(10);
  });

  it('a fractional floor (0.5 per second) allows one retry, then one every 2 s', async () => {
    const clock = new VirtualClock();
    const budget = retryBudget({ ratio: 0, minPerSecond: 0.5, clock });
    expect(budget.tryTake()).toBe(true);
    expect(budget.tryTake()).toBe(false);
    await clock.advance(1_999);
    expect(budget.tryTake()).toBe(false);
    await clock.advance(1);
    expect(budget.tryTake()).toBe(true);
  });

  it('works on a clock that starts below zero and one that steps back', async () => {
    const clock = new VirtualClock(-12_345);
    const budget = retryBudget({ ratio: 1, minPerSecond: 0, windowMs: 1_000, clock });
    budget.deposit();
    budget.deposit();
    expect(budget.available).toBe(2);
    await clock.advance(1_000);
    expect(budget.available).toBe(0);
    let now = 5_000;
    const stepping = { now: () => now, setTimeout: () => 0, clearTimeout: () => {} };
    const b = retryBudget({ ratio: 1, minPerSecond: 0, clock: stepping });
    b.deposit();
    now = 4_000;
    expect(b.available).toBe(1);
    expect(b.tryTake()).toBe(true);
  });

  it('stays O(1) per operation over millions of deposits across many windows', () => {
    let now = 0;
    const clock = { now: () => now, setTimeout: () => 0, clearTimeout: () => {} };
    const budget = retryBudget({ ratio: 0.1, minPerSecond: 0, windowMs: 1_000, clock });
    for (let i = 0; i < 1_000_000; i++) {
      now += 0.5;
      budget.deposit();
    }
    // The last 900 to 1,000 ms hold 1,800 to 2,000 deposits: 180 to 200 tokens.
    expect(budget.available).toBeGreaterThanOrEqual(180);
    expect(budget.available).toBeLessThanOrEqual(200);
  });

  it('property: retries taken never exceed ratio × deposits + the floor (capacity + minPerSecond × seconds)', () => {
    const op = fc.oneof(
      fc.constant({ kind: 'deposit' as const }),
      fc.constant({ kind: 'take' as const }),
      fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 3_000 }) }),
    );
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 2, noNaN: true }),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 100, max: 20_000 }),
        fc.array(op, { maxLength: 300 }),
        (ratio, minPerSecond, windowMs, ops) => {
          let now = 0;
          const clock = { now: () => now, setTimeout: () => 0, clearTimeout: () => {} };
          const budget = retryBudget({ ratio, minPerSecond, windowMs, clock });
          let deposits = 0;
          let taken = 0;
          for (const o of ops) {
            if (o.kind === 'deposit') {
              budget.deposit();
              deposits++;
            } else if (o.kind === 'take') {
              const before = budget.available;
              const ok = budget.tryTake();
              expect(ok).toBe(before >= 1);
              if (ok) taken++;
            } else {
              now += o.ms;
            }
            expect(budget.available).toBeGreaterThanOrEqual(0);
          }
          const capacity = minPerSecond === 0 ? 0 : Math.max(1, minPerSecond);
          expect(taken).toBeLessThanOrEqual(ratio * deposits + capacity + (minPerSecond * now) / 1_000 + 1e-6);
        },
      ),
      { numRuns: 200 },
    );
  });
});

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
