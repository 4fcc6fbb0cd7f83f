// Tests that pin behaviour mutation testing found unpinned.
import { describe, expect, it } from 'vitest';
import { rateLimit } from '../../src/index.js';
import { manualClock } from '../support/manual-clock.js';


describe('rateLimit mutation', () => {
  it('a clock that steps back neither adds nor removes tokens', async () => {
    const clock = manualClock(10_000);
    const policy = rateLimit({ limit: 2, perMs: 1_000, clock });
    await policy.execute(() => 'a');
    expect(policy.available).toBe(1);
    clock.t = 9_000; // one second back
    expect(policy.available).toBe(1);
    clock.t = 10_500; // half a period after the first call: one more token
    expect(policy.available).toBe(2);
  });
});
