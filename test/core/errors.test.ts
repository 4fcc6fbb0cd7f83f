import { describe, expect, it } from 'vitest';
import {
  BreakwaterError,
  BrokenCircuitError,
  BulkheadRejectedError,
  IsolatedCircuitError,
  isBreakwaterError,
  isBrokenCircuitError,
  isBulkheadRejectedError,
  isIsolatedCircuitError,
  isRateLimitedError,
  isTimeoutError,
  RateLimitedError,
  TimeoutError,
} from '../../src/index.js';

describe('errors', () => {
  it.each([
    [new TimeoutError(5), 'TimeoutError', true, isTimeoutError],
    [new BrokenCircuitError(100), 'BrokenCircuitError', false, isBrokenCircuitError],
    [new IsolatedCircuitError(), 'IsolatedCircuitError', false, isIsolatedCircuitError],
    [new BulkheadRejectedError('full'), 'BulkheadRejectedError', false, isBulkheadRejectedError],
    [new RateLimitedError(10), 'RateLimitedError', false, isRateLimitedError],
  ] as const)('%s has a stable name, executed flag and a brand guard', (error, name, executed, guard) => {
    expect(error).toBeInstanceOf(BreakwaterError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.executed).toBe(executed);
    expect(guard(error)).toBe(true);
    expect(isBreakwaterError(error)).toBe(true);
    expect(String(error)).toContain(name);
  });

  it('guards recognise errors from another copy of the package by their brand, and nothing else', () => {
    const foreign = Object.assign(new Error('x'), { [Symbol.for('breakwater.error')]: 'TimeoutError' });
    expect(isTimeoutError(foreign)).toBe(true);
    expect(isBreakwaterError(foreign)).toBe(true);
    expect(isBrokenCircuitError(foreign)).toBe(false);
    const impostor = Object.assign(new Error('x'), { [Symbol.for('breakwater.error')]: 'Nope' });
    expect(isBreakwaterError(impostor)).toBe(false);
    for (const v of [undefined, null, 'TimeoutError', 5, new Error('x'), { name: 'TimeoutError' }]) {
      expect(isTimeoutError(v)).toBe(false);
      expect(isBreakwaterError(v)).toBe(false);
    }
  });

  it('carries the fields callers branch on', () => {
    expect(new TimeoutError(250).ms).toBe(250);
    expect(new TimeoutError(250).message).toBe('timed out after 250 ms');
    expect(new TimeoutError(1, { cause: 'c' }).cause).toBe('c');
    expect(new BrokenCircuitError(1234).retryAfter).toBe(1234);
    expect(new RateLimitedError(7).retryAfter).toBe(7);
    expect(new BulkheadRejectedError('queueTimeout').reason).toBe('queueTimeout');
    expect(new BulkheadRejectedError('queueTimeout').message).toBe('bulkhead queue timeout');
  });
});
