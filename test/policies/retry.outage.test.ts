import { describe, expect, it } from 'vitest';
import { retry, retryBudget } from '../../src/index.js';
import { seededRandom, VirtualClock } from '../../src/testing/index.js';

/**
 * 1,000 calls, one every 10 ms (100 per second for 10 s), against a
 * dependency that always fails; each call is idempotent and uses the default
 * exponential backoff. How many attempts reach the dependency?
 */
async function outage(maxAttempts: number, withBudget: boolean): Promise<{ attempts: number; seconds: number }> {
  const clock = new VirtualClock();
  const budget = withBudget ? retryBudget({ clock }) : undefined;
  const policy = retry({
    clock,
    maxAttempts,
    idempotent: true,
    random: seededRandom(2024),
    ...(budget ? { budget } : {}),
  });
  let attempts = 0;
  const fn = (): Promise<never> => {
    attempts++;
    return Promise.reject(new Error('503'));
  };
  const results: Array<Promise<unknown>> = [];
  for (let i = 0; i < 1_000; i++) {
    results.push(policy.execute(fn).catch(() => undefined));
    await clock.advance(10);
  }
  await clock.runAll();
  await Promise.all(results);
  return { attempts, seconds: clock.now() / 1_000 };
}

describe('retry: the outage in numbers', () => {
  it('1,000 calls against a dependency that always fails, with and without a budget', async () => {
    const rows: string[] = [];
    const measured: Record<string, number> = {};
    for (const maxAttempts of [3, 5]) {
      for (const withBudget of [false, true]) {
        const { attempts, seconds } = await outage(maxAttempts, withBudget);
        const label = `maxAttempts ${maxAttempts}, ${withBudget ? 'retryBudget() (0.2, 10/s)' : 'no budget'}`;
        measured[label] = attempts;
        rows.push(
          `| ${label} | 1,000 | ${attempts.toLocaleString('en')} | +${Math.round((attempts / 1_000 - 1) * 100)}% | ${seconds.toFixed(1)} |`,
        );
        if (withBudget) {
          // ratio × calls + the floor: 10 at once and 10 per second.
          expect(attempts).toBeLessThanOrEqual(1.2 * 1_000 + 10 + 10 * seconds);
        } else {
          expect(attempts).toBe(maxAttempts * 1_000);
        }
      }
    }
    console.log(
      [
        '',
        '| scenario | calls | attempts | extra load | virtual seconds |',
        '|---|---:|---:|---:|---:|',
        ...rows,
        '',
      ].join('\n'),
    );
    expect(measured['maxAttempts 3, retryBudget() (0.2, 10/s)']).toBeLessThan(
      measured['maxAttempts 3, no budget'] as number,
    );
  });
});
