import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  bulkhead,
  circuitBreaker,
  fallback,
  hedge,
  injectFault,
  injectLatency,
  keyed,
  pipeline,
  type Policy,
  rateLimit,
  retry,
  timeout,
} from '../../src/index.js';
import { abortListenerCount, trackedAbortController, VirtualClock } from '../../src/testing/index.js';

/** Every kind of policy, and a pipeline, on one clock. */
function policies(clock: VirtualClock): [string, Policy][] {
  return [
    ['timeout', timeout(100, { clock })],
    ['retry', retry({ clock, idempotent: true })],
    ['circuitBreaker', circuitBreaker({ clock })],
    ['bulkhead', bulkhead({ maxConcurrent: 1, maxQueue: 1, clock })],
    ['keyed', keyed(() => timeout(100, { clock }), { clock })],
    ['fallback', fallback('fallback', { clock })],
    ['hedge', hedge({ delay: 10, clock })],
    ['rateLimit', rateLimit({ limit: 5, perMs: 1_000, clock })],
    ['injectFault', injectFault({ rate: 0, error: new Error('x'), clock })],
    ['injectLatency', injectLatency({ rate: 1, ms: 10, clock })],
    [
      'pipeline',
      pipeline(
        retry({ clock }),
        circuitBreaker({ clock }),
        bulkhead({ maxConcurrent: 2, clock }),
        timeout(100, { clock }),
      ),
    ],
  ];
}

/** Wrong values for each option; the option the message must name. */
const WRONG: [option: string, options: unknown][] = [
  ['signal', { signal: new AbortController() }],
  ['signal', { signal: 'x' }],
  ['signal', { signal: 5 }],
  ['signal', { signal: null }],
  ['signal', { signal: {} }],
  ['signal', { signal: { aborted: false } }],
  ['signal', { signal: true }],
  ['signal', { signal: [] }],
  ['key', { key: 5 }],
  ['key', { key: null }],
  ['key', { key: {} }],
  ['key', { key: true }],
  ['idempotent', { idempotent: 'yes' }],
  ['idempotent', { idempotent: 1 }],
  ['idempotent', { idempotent: null }],
  ['idempotent', { idempotent: {} }],
  ['correlationId', { correlationId: 42 }],
  ['correlationId', { correlationId: null }],
  ['correlationId', { correlationId: { id: 'x' } }],
  ['options', new AbortController().signal],
  ['options', 'fast'],
  ['options', 7],
  ['options', null],
];

let unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
beforeEach(() => {
  unhandled = [];
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
});

async function flushRejections(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
}

describe('execute checks its options at call time', () => {
  it('rejects { signal: new AbortController() } under timeout with a TypeError naming signal, without running fn', async () => {
    const clock = new VirtualClock();
    let ran = false;
    const result = timeout(100, { clock }).execute(
      () => {
        ran = true;
        return 'v';
      },
      { signal: new AbortController() as unknown as AbortSignal },
    );
    await expect(result).rejects.toThrow(TypeError);
    await expect(result).rejects.toThrow(/signal/);
    expect(ran).toBe(false);
    expect(clock.pending).toBe(0);
    await flushRejections();
    expect(unhandled).toEqual([]);
  });

  it('rejects a signal passed as the second argument (execute(fn, signal)) and says to pass { signal }', async () => {
    const controller = trackedAbortController();
    let ran = false;
    const result = retry().execute(() => {
      ran = true;
      return 'v';
    }, controller.signal as never);
    await expect(result).rejects.toThrow(/\{ signal \}/);
    expect(ran).toBe(false);
    expect(abortListenerCount(controller.signal).current).toBe(0);
  });

  it('accepts a signal from another realm-like source when it has aborted, addEventListener and removeEventListener', async () => {
    const real = new AbortController();
    const lookalike = {
      get aborted() {
        return real.signal.aborted;
      },
      get reason() {
        return real.signal.reason;
      },
      addEventListener: real.signal.addEventListener.bind(real.signal),
      removeEventListener: real.signal.removeEventListener.bind(real.signal),
    };
    await expect(timeout(100).execute(() => 'v', { signal: lookalike as unknown as AbortSignal })).resolves.toBe('v');
  });

  it('accepts undefined for every option', async () => {
    const clock = new VirtualClock();
    for (const [, policy] of policies(clock)) {
      const options = { signal: undefined, key: undefined, idempotent: undefined, correlationId: undefined };
      const result = policy.execute(() => 'v', options);
      await clock.runAll();
      await expect(result).resolves.toBe('v');
    }
  });

  it('property: every kind and a pipeline reject each wrong option with a TypeError naming it, leaving nothing behind', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: WRONG.length - 1 }),
        fc.integer({ min: 0, max: policies(new VirtualClock()).length - 1 }),
        fc.boolean(),
        async (wrongIndex, policyIndex, withRealSignal) => {
          const clock = new VirtualClock();
          const [, policy] = policies(clock)[policyIndex] as [string, Policy];
          const [option, given] = WRONG[wrongIndex] as [string, unknown];
          // A wrong key next to a real signal: the signal must not keep a listener.
          const controller = trackedAbortController();
          const options =
            withRealSignal &&
            typeof given === 'object' &&
            given !== null &&
            !('signal' in given) &&
            !('aborted' in given)
              ? { signal: controller.signal, ...given }
              : given;
          let ran = 0;
          let result: Promise<unknown> | undefined;
          expect(() => {
            result = policy.execute(() => {
              ran++;
              return 'v';
            }, options as never);
          }).not.toThrow();
          expect(result).toBeInstanceOf(Promise);
          const error = await (result as Promise<unknown>).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(TypeError);
          expect((error as Error).message).toContain(option);
          expect(ran).toBe(0);
          expect(clock.pending).toBe(0);
          expect(abortListenerCount(controller.signal).current).toBe(0);
          await flushRejections();
          expect(unhandled).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
  });
});
