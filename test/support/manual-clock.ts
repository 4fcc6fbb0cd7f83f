import type { Clock } from '../../src/index.js';

/** A clock whose time the test sets directly (backwards too) and that never runs timers. */
export function manualClock(start: number): Clock & { t: number } {
  const clock = {
    t: start,
    now: () => clock.t,
    setTimeout: (): unknown => undefined,
    clearTimeout: (): void => undefined,
  };
  return clock;
}
