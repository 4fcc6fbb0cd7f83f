import { describe, expect, it } from 'vitest';
import {
  bulkhead,
  circuitBreaker,
  fallback,
  hedge,
  injectFault,
  injectLatency,
  keyed,
  rateLimit,
  retry,
  retryBudget,
  timeout,
} from '../../src/index.js';
import { resilientFetch } from '../../src/fetch/index.js';

describe('bounds and required values', () => {
  it('rejects a count window too large to hold, naming the limit', () => {
    expect(() => circuitBreaker({ window: { kind: 'count', size: 2e8 } })).toThrow(RangeError);
    expect(() => circuitBreaker({ window: { kind: 'count', size: 2e8 } })).toThrow(
      /window\.size must be at most 1000000/,
    );
    expect(() => circuitBreaker({ window: { kind: 'count', size: 1_000_000 }, minimumCalls: 1 })).not.toThrow();
  });

  it('rejects fallback() without a value', () => {
    expect(() => (fallback as () => unknown)()).toThrow(TypeError);
    expect(() => (fallback as () => unknown)()).toThrow(/fallback: valueOrFn/);
  });

  it('says exactly what halfOpen.maxWait accepts (Infinity included)', () => {
    expect(() => circuitBreaker({ halfOpen: { maxWait: -1 } })).toThrow(
      'circuitBreaker: halfOpen.maxWait must be a positive number, or Infinity, got -1',
    );
    expect(() => circuitBreaker({ halfOpen: { maxWait: Infinity } })).not.toThrow();
  });
});

describe('unknown options are errors', () => {
  it.each([
    ['timeout', () => timeout(10, { strategie: 'aggressive' } as never), 'strategie'],
    ['retry', () => retry({ maxRetries: 3 } as never), 'maxRetries'],
    ['circuitBreaker', () => circuitBreaker({ treshold: 1 } as never), 'treshold'],
    ['bulkhead', () => bulkhead({ maxConcurrent: 1, queue: 2 } as never), 'queue'],
    ['keyed', () => keyed(() => timeout(10), { max: 2 } as never), 'max'],
    ['fallback', () => fallback(1, { when: () => true } as never), 'when'],
    ['hedge', () => hedge({ delay: 10, attempts: 2 } as never), 'attempts'],
    ['rateLimit', () => rateLimit({ limit: 1, perMs: 10, interval: 1 } as never), 'interval'],
    ['injectFault', () => injectFault({ rate: 0, error: 1, probability: 1 } as never), 'probability'],
    ['injectLatency', () => injectLatency({ rate: 0, ms: 1, delay: 1 } as never), 'delay'],
    ['retryBudget', () => retryBudget({ percent: 1 } as never), 'percent'],
    ['resilientFetch', () => resilientFetch(retry(), { retries: 2 } as never), 'retries'],
    [
      'circuitBreaker window',
      () => circuitBreaker({ window: { kind: 'count', size: 5, length: 1 } } as never),
      'length',
    ],
    ['circuitBreaker halfOpen', () => circuitBreaker({ halfOpen: { maxProbes: 1 } } as never), 'maxProbes'],
    [
      'circuitBreaker slowCall',
      () => circuitBreaker({ slowCall: { ms: 1, rate: 0.5, threshold: 1 } } as never),
      'threshold',
    ],
  ])('%s rejects an unknown key with a TypeError naming it', (_, make, key) => {
    expect(make).toThrow(TypeError);
    expect(make).toThrow(new RegExp(`unknown option (\\w+\\.)?${key}\\b`));
  });

  it.each([
    [
      () => circuitBreaker({ halfOpenAfter: 1_000 } as never),
      "circuitBreaker: unknown option halfOpenAfter (cockatiel's name; use openFor)",
    ],
    [() => circuitBreaker({ resetTimeout: 1_000 } as never), "(opossum's name; use openFor)"],
    [() => circuitBreaker({ errorThresholdPercentage: 50 } as never), "(opossum's name; use failureRate"],
    [() => circuitBreaker({ volumeThreshold: 10 } as never), "(opossum's name; use minimumCalls)"],
    [() => circuitBreaker({ timeout: 3_000 } as never), "(opossum's name; use timeout("],
    [() => circuitBreaker({ rollingCountTimeout: 10_000 } as never), "(opossum's name; use window"],
    [() => circuitBreaker({ breakDuration: 1_000 } as never), "(Polly's name; use openFor)"],
    [() => circuitBreaker({ failureRatio: 0.5 } as never), "(Polly's name; use failureRate)"],
    [() => circuitBreaker({ minimumThroughput: 10 } as never), "(Polly's name; use minimumCalls)"],
    [() => circuitBreaker({ breaker: {} } as never), "(cockatiel's name; use window"],
    [() => bulkhead({ maxConcurrent: 1, capacity: 10 } as never), "(opossum's name; use maxConcurrent)"],
    [() => retry({ maxRetries: 3 } as never), 'use maxAttempts'],
    [() => retry({ retries: 3 } as never), "(p-retry's name; use maxAttempts"],
    [() => retry({ maxRetryAttempts: 3 } as never), "(Polly's name; use maxAttempts"],
    [() => retry({ minTimeout: 100 } as never), "(p-retry's name; use backoff"],
    [() => retry({ shouldRetry: () => true } as never), "(p-retry's name; use retryOn)"],
    [() => retry({ shouldHandle: () => true } as never), "(Polly's name; use retryOn)"],
    [() => retry({ delay: 100 } as never), "(Polly's name; use backoff"],
    [() => hedge({ delay: 10, maxHedgedAttempts: 2 } as never), "(Polly's name; use maxHedged)"],
    [() => rateLimit({ limit: 1, perMs: 10, permitLimit: 5 } as never), "(Polly's name; use limit)"],
    [() => retry({ maxattempts: 3 } as never), 'did you mean maxAttempts?'],
  ])("hints at our name for a peer's option", (make, hint) => {
    expect(make).toThrow(TypeError);
    expect(make).toThrow(hint);
  });
});
