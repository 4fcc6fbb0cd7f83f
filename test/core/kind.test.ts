import { describe, expect, it } from 'vitest';
import {
  adaptiveBulkhead,
  bulkhead,
  circuitBreaker,
  fallback,
  hedge,
  injectFault,
  injectLatency,
  keyed,
  pipeline,
  rateLimit,
  retry,
  timeout,
} from '../../src/index.js';

describe('kind', () => {
  it.each([
    ['timeout', () => timeout(10)],
    ['retry', () => retry()],
    ['circuitBreaker', () => circuitBreaker()],
    ['bulkhead', () => bulkhead({ maxConcurrent: 1 })],
    ['keyed', () => keyed(() => timeout(10))],
    ['fallback', () => fallback(1)],
    ['hedge', () => hedge({ delay: 10 })],
    ['rateLimit', () => rateLimit({ limit: 1, perMs: 1000 })],
    ['injectFault', () => injectFault({ rate: 0, error: () => new Error('x') })],
    ['injectLatency', () => injectLatency({ rate: 0, ms: 1 })],
    ['pipeline', () => pipeline()],
    ['adaptiveBulkhead', () => adaptiveBulkhead()],
  ] as const)('a %s policy says what kind it is, and is named after it by default', (kind, make) => {
    const policy = make();
    expect(policy.kind).toBe(kind);
    expect(policy.name).toBe(kind);
  });
});
