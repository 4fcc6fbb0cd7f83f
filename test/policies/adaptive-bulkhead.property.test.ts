import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  adaptiveBulkhead,
  type AdaptiveBulkheadOptions,
  isBulkheadRejectedError,
  RateLimitedError,
  TimeoutError,
} from '../../src/index.js';
import { seededRandom, VirtualClock } from '../../src/testing/index.js';

const callArb = fc.record({
  // A gap of 0 makes bursts: calls that arrive in the same instant.
  gap: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 30 })),
  latency: fc.integer({ min: 0, max: 80 }),
  outcome: fc.constantFrom('ok', 'ok', 'error', 'timeout', 'notExecuted'),
  abortAfter: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
  honoursSignal: fc.boolean(),
});

const configArb = fc.record({
  algorithm: fc.constantFrom('aimd', 'gradient2', 'vegas'),
  minLimit: fc.integer({ min: 1, max: 4 }),
  span: fc.integer({ min: 0, max: 6 }),
  initialOffset: fc.integer({ min: 0, max: 6 }),
  maxQueue: fc.integer({ min: 0, max: 4 }),
  queueTimeout: fc.option(fc.integer({ min: 5, max: 60 }), { nil: undefined }),
  windowMs: fc.integer({ min: 5, max: 40 }),
  minSamples: fc.integer({ min: 1, max: 3 }),
  seed: fc.integer(),
});

type Call = typeof callArb extends fc.Arbitrary<infer T> ? T : never;
type Config = typeof configArb extends fc.Arbitrary<infer T> ? T : never;

interface Outcome {
  changes: string[];
  limits: number[];
  overLimitAtAdmission: number;
  unsettled: number;
  pending: number;
  active: number;
  queued: number;
  unexpected: unknown[];
}

/** Runs one schedule to the end on a fresh VirtualClock. */
async function runSchedule(config: Config, calls: Call[]): Promise<Outcome> {
  const clock = new VirtualClock();
  const maxLimit = config.minLimit + config.span;
  const options: AdaptiveBulkheadOptions = {
    // A small probe multiplier so that Vegas probes within a short schedule.
    algorithm: config.algorithm === 'vegas' ? { kind: 'vegas', probeMultiplier: 0.5 } : config.algorithm,
    minLimit: config.minLimit,
    maxLimit,
    initialLimit: Math.min(maxLimit, config.minLimit + config.initialOffset),
    maxQueue: config.maxQueue,
    queueTimeout: config.queueTimeout,
    window: { minMs: config.windowMs, maxMs: config.windowMs, minSamples: config.minSamples, minRttMs: 0 },
    clock,
    random: seededRandom(config.seed),
  };
  const pool = adaptiveBulkhead(options);
  const out: Outcome = {
    changes: [],
    limits: [],
    overLimitAtAdmission: 0,
    unsettled: 0,
    pending: 0,
    active: 0,
    queued: 0,
    unexpected: [],
  };
  pool.on('limitChanged', ({ from, to, at }) => {
    out.changes.push(`${at}:${from}->${to}`);
    out.limits.push(to);
  });
  let settled = 0;
  let at = 0;
  calls.forEach((call) => {
    at += call.gap;
    clock.setTimeout(() => {
      const controller = call.abortAfter === undefined ? undefined : new AbortController();
      if (controller !== undefined)
        clock.setTimeout(() => controller.abort(new Error('caller aborted')), call.abortAfter as number);
      const fn = ({ signal }: { signal: AbortSignal }): Promise<string> => {
        if (pool.active > pool.limit) out.overLimitAtAdmission++;
        return new Promise((resolve, reject) => {
          const timer = clock.setTimeout(() => {
            if (call.outcome === 'ok') resolve('ok');
            else if (call.outcome === 'timeout') reject(new TimeoutError(call.latency));
            else if (call.outcome === 'notExecuted') reject(new RateLimitedError(10));
            else reject(new Error('dependency failed'));
          }, call.latency);
          if (call.honoursSignal && controller !== undefined) {
            signal.addEventListener('abort', () => {
              clock.clearTimeout(timer);
              reject(signal.reason);
            });
          }
        });
      };
      pool.execute(fn, { signal: controller?.signal }).then(
        () => settled++,
        (error: unknown) => {
          settled++;
          const expected =
            isBulkheadRejectedError(error) ||
            error instanceof TimeoutError ||
            error instanceof RateLimitedError ||
            (error as Error).message === 'dependency failed' ||
            (error as Error).message === 'caller aborted';
          if (!expected) out.unexpected.push(error);
        },
      );
    }, at);
  });
  await clock.runAll();
  out.unsettled = calls.length - settled;
  out.pending = clock.pending;
  out.active = pool.active;
  out.queued = pool.queued;
  out.limits.push(pool.limit);
  return out;
}

describe('adaptiveBulkhead: properties under random schedules', () => {
  it('keeps the limit in [minLimit, maxLimit], never admits above it, settles every call, ends idle, and replays Vegas from its seed', async () => {
    await fc.assert(
      fc.asyncProperty(configArb, fc.array(callArb, { minLength: 1, maxLength: 25 }), async (config, calls) => {
        const out = await runSchedule(config, calls);
        const maxLimit = config.minLimit + config.span;
        expect(out.limits.every((l) => Number.isInteger(l) && l >= config.minLimit && l <= maxLimit)).toBe(true);
        expect(out.overLimitAtAdmission).toBe(0);
        expect(out.unexpected).toEqual([]);
        expect(out.unsettled).toBe(0);
        // Idle: no timer, nothing running, nothing queued.
        expect([out.pending, out.active, out.queued]).toEqual([0, 0, 0]);
        if (config.algorithm === 'vegas') {
          const again = await runSchedule(config, calls);
          expect(again.changes).toEqual(out.changes);
        }
      }),
      { numRuns: 1_000 },
    );
  }, 120_000);
});
