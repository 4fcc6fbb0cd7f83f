import { describe } from './validate.js';

/** The longest delay the platform timers hold without overflowing (about 24.8 days). */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * A delay that a policy hands to `clock.setTimeout`: finite, >= 0 (or > 0
 * when `positive`), and at most {@link MAX_TIMER_MS}, since a longer delay
 * makes the platform timers fire at once.
 */
export function timerDelay(policy: string, option: string, value: unknown, positive: boolean): number {
  const expected = `a ${positive ? 'positive' : 'non-negative'} finite number of milliseconds at most ${MAX_TIMER_MS}`;
  const message = `${policy}: ${option} must be ${expected}, got ${describe(value)}`;
  if (typeof value !== 'number') throw new TypeError(message);
  if (!(positive ? value > 0 : value >= 0) || !(value <= MAX_TIMER_MS)) throw new RangeError(message);
  return value;
}
