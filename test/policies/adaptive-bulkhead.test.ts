import { describe, expect, it, vi } from 'vitest';
import {
  ADAPTIVE_BULKHEAD_DEFAULTS,
  adaptiveBulkhead,
  type AdaptiveBulkheadOptions,
  BulkheadRejectedError,
  isBulkheadRejectedError,
  keyed,
  type LimitAlgorithm,
  type LimitWindow,
  pipeline,
  RateLimitedError,
  timeout,
  TimeoutError,
} from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';
import { deferred, flush, track } from '../support/async.js';

/** An algorithm that records every window and answers with `next(limit)`. */
function recording(
  next: (limit: number, window: LimitWindow) => number = (limit) => limit,
): LimitAlgorithm & { windows: LimitWindow[] } {
  const windows: LimitWindow[] = [];
  return {
    windows,
    update(window, limit) {
      windows.push(window);
      return next(limit, window);
    },
  };
}

/** A window of 100 ms that needs `minSamples` samples (1 by default). */
const fastWindow = (minSamples = 1) => ({ minMs: 100, maxMs: 100, minSamples });

/** A dependency that answers `value` after `ms` of virtual time. */
function after<T>(clock: VirtualClock, ms: number, value: T): () => Promise<T> {
  return () => new Promise((resolve) => clock.setTimeout(() => resolve(value), ms));
}

/** Runs one call of `ms` through `pool` and moves the clock until it has settled. */
async function call<T>(
  clock: VirtualClock,
  pool: { execute(fn: () => Promise<T>): Promise<T> },
  ms: number,
  value: T,
): Promise<T> {
  const p = pool.execute(after(clock, ms, value));
  await clock.advance(ms);
  return p;
}

describe('adaptiveBulkhead: defaults and validation', () => {
  it('pins the defaults: AIMD from 20 in [1, 200], no queue, 1 s windows of at least 10 samples', () => {
    expect(ADAPTIVE_BULKHEAD_DEFAULTS).toEqual({
      algorithm: 'aimd',
      initialLimit: 20,
      minLimit: 1,
      maxLimit: 200,
      maxQueue: 0,
      window: { minMs: 1_000, maxMs: 1_000, minSamples: 10, minRttMs: 0.1 },
      aimd: { backoffRatio: 0.9, timeout: 5_000 },
      gradient2: { smoothing: 0.2, rttTolerance: 1.5, longWindow: 600, queueSize: 4 },
      vegas: { smoothing: 1, probeMultiplier: 30 },
    });
    expect(Object.isFrozen(ADAPTIVE_BULKHEAD_DEFAULTS.window)).toBe(true);
    const pool = adaptiveBulkhead();
    expect([
      pool.kind,
      pool.name,
      pool.limit,
      pool.minLimit,
      pool.maxLimit,
      pool.maxQueue,
      pool.queueTimeout,
      pool.active,
      pool.queued,
    ]).toEqual(['adaptiveBulkhead', 'adaptiveBulkhead', 20, 1, 200, 0, undefined, 0, 0]);
  });

  it('keeps the default initial limit inside limits that exclude 20', () => {
    expect(adaptiveBulkhead({ maxLimit: 8 }).limit).toBe(8);
    expect(adaptiveBulkhead({ minLimit: 30 }).limit).toBe(30);
  });

  it.each([
    [{ minLimit: 10, maxLimit: 5 }, RangeError, 'adaptiveBulkhead: minLimit must be <= maxLimit (5), got 10'],
    [
      { initialLimit: 300 },
      RangeError,
      'adaptiveBulkhead: initialLimit must be an integer in [minLimit, maxLimit] = [1, 200], got 300',
    ],
    [
      { initialLimit: 3, minLimit: 5 },
      RangeError,
      'adaptiveBulkhead: initialLimit must be an integer in [minLimit, maxLimit] = [5, 200], got 3',
    ],
    [{ initialLimit: 2.5 }, RangeError, 'adaptiveBulkhead: initialLimit must be an integer >= 1, got 2.5'],
    [{ minLimit: 0 }, RangeError, 'adaptiveBulkhead: minLimit must be an integer >= 1, got 0'],
    [{ maxLimit: '9' }, TypeError, 'adaptiveBulkhead: maxLimit must be an integer >= 1, got "9"'],
    [
      { algorithm: { kind: 'aimd', backoffRatio: 1 } },
      RangeError,
      'adaptiveBulkhead: algorithm.backoffRatio must be a number in [0.5, 1), got 1',
    ],
    [
      { algorithm: { kind: 'aimd', backoffRatio: 0.4 } },
      RangeError,
      'adaptiveBulkhead: algorithm.backoffRatio must be a number in [0.5, 1), got 0.4',
    ],
    [
      { algorithm: { kind: 'aimd', backoffRatio: 'x' } },
      TypeError,
      'adaptiveBulkhead: algorithm.backoffRatio must be a number in [0.5, 1), got "x"',
    ],
    [
      { algorithm: 'cubic' },
      RangeError,
      'adaptiveBulkhead: algorithm must be one of "aimd", "gradient2", "vegas", an object with one of them as kind, or an object with update(), got "cubic"',
    ],
    [
      { algorithm: { kind: 'cubic' } },
      RangeError,
      'adaptiveBulkhead: algorithm.kind must be one of "aimd", "gradient2", "vegas", got "cubic"',
    ],
    [
      { algorithm: 42 },
      TypeError,
      'adaptiveBulkhead: algorithm must be one of "aimd", "gradient2", "vegas", an object with one of them as kind, or an object with update(), got 42',
    ],
    [
      { algorithm: { kind: 'gradient2', rttTolerance: 0.9 } },
      RangeError,
      'adaptiveBulkhead: algorithm.rttTolerance must be a number >= 1, got 0.9',
    ],
    [
      { algorithm: { kind: 'gradient2', smoothing: 0 } },
      RangeError,
      'adaptiveBulkhead: algorithm.smoothing must be a number in (0, 1], got 0',
    ],
    [
      { algorithm: { kind: 'vegas', probeMultiplier: -1 } },
      RangeError,
      'adaptiveBulkhead: algorithm.probeMultiplier must be a positive finite number, got -1',
    ],
    [
      { window: { minMs: 500, maxMs: 100 } },
      RangeError,
      'adaptiveBulkhead: window.minMs must be <= window.maxMs (100), got 500',
    ],
    [{ window: { minSamples: 0 } }, RangeError, 'adaptiveBulkhead: window.minSamples must be an integer >= 1, got 0'],
    [{ window: 5 }, TypeError, 'adaptiveBulkhead: window must be an object, got 5'],
    [{ maxQueue: -1 }, RangeError, 'adaptiveBulkhead: maxQueue must be an integer >= 0, or Infinity, got -1'],
    [{ queueTimeout: 0 }, RangeError, 'adaptiveBulkhead: queueTimeout must be a positive finite number, got 0'],
    [{ isDrop: true }, TypeError, 'adaptiveBulkhead: isDrop must be a function, got true'],
    [{ random: 1 }, TypeError, 'adaptiveBulkhead: random must be a function, got 1'],
  ])('rejects %j at construction, naming the option and the value', (options, type, message) => {
    expect(() => adaptiveBulkhead(options as AdaptiveBulkheadOptions)).toThrow(type);
    expect(() => adaptiveBulkhead(options as AdaptiveBulkheadOptions)).toThrow(message);
  });

  it('a window.minMs above the default maxMs raises maxMs with it', () => {
    expect(() => adaptiveBulkhead({ window: { minMs: 2_000 } })).not.toThrow();
  });

  it.each([
    [{ maxConcurent: 5 }, 'adaptiveBulkhead: unknown option maxConcurent'],
    [{ maxConcurrency: 5 }, "adaptiveBulkhead: unknown option maxConcurrency (concurrency-limits' name; use maxLimit)"],
    [
      { maxConcurrent: 5 },
      "adaptiveBulkhead: unknown option maxConcurrent (bulkhead's option; the limit moves between minLimit and maxLimit)",
    ],
    [{ window: { size: 5 } }, 'adaptiveBulkhead: unknown option window.size'],
    [{ algorithm: { kind: 'aimd', smoothing: 0.5 } }, 'adaptiveBulkhead: unknown option algorithm.smoothing'],
    [{ algorithm: { kind: 'vegas', rttTolerance: 2 } }, 'adaptiveBulkhead: unknown option algorithm.rttTolerance'],
  ])('rejects the unknown key in %j with a TypeError naming it', (options, message) => {
    expect(() => adaptiveBulkhead(options as AdaptiveBulkheadOptions)).toThrow(TypeError);
    expect(() => adaptiveBulkhead(options as AdaptiveBulkheadOptions)).toThrow(message);
  });

  it('takes each algorithm by name, with settings, or as an object of its own', () => {
    for (const algorithm of [
      'aimd',
      'gradient2',
      'vegas',
      { kind: 'aimd', backoffRatio: 0.5, timeout: 100 },
      { kind: 'gradient2', rttTolerance: 2, smoothing: 1, longWindow: 10, queueSize: 0 },
      { kind: 'vegas', smoothing: 0.5, probeMultiplier: 5, alpha: () => 2, beta: () => 4 },
      recording(),
    ] as const) {
      expect(adaptiveBulkhead({ algorithm }).limit).toBe(20);
    }
  });
});

describe('adaptiveBulkhead: admission, shared with the bulkhead', () => {
  it('runs up to the limit at once and rejects the next with BulkheadRejectedError { reason: "limit" }', async () => {
    const pool = adaptiveBulkhead({ initialLimit: 2 });
    const rejected: unknown[] = [];
    pool.on('rejected', (e) => rejected.push(e.reason));
    const d = deferred();
    const a = track(pool.execute(() => d.promise));
    const b = track(pool.execute(() => d.promise));
    const c = pool.execute(() => 'never');
    await expect(c).rejects.toBeInstanceOf(BulkheadRejectedError);
    const error = await c.catch((e: unknown) => e);
    expect(isBulkheadRejectedError(error) && [error.reason, error.executed, error.message]).toEqual([
      'limit',
      false,
      'adaptive bulkhead is at its limit',
    ]);
    expect(rejected).toEqual(['limit']);
    expect(pool.active).toBe(2);
    d.resolve('ok');
    await flush();
    expect([a.value, b.value, pool.active]).toEqual(['ok', 'ok', 0]);
  });

  it('queues up to maxQueue in FIFO order, emits dequeued { waitedMs }, and honours queueTimeout and aborts', async () => {
    const clock = new VirtualClock();
    const pool = adaptiveBulkhead({ initialLimit: 1, maxQueue: 3, queueTimeout: 500, clock });
    const dequeued: number[] = [];
    const rejected: string[] = [];
    pool.on('dequeued', (e) => dequeued.push(e.waitedMs));
    pool.on('rejected', (e) => rejected.push(e.reason));
    const order: string[] = [];
    const first = track(pool.execute(after(clock, 100, 'a')));
    const second = track(pool.execute(() => (order.push('b'), 'b')));
    const controller = new AbortController();
    const aborted = track(pool.execute(() => (order.push('c'), 'c'), { signal: controller.signal }));
    const late = track(pool.execute(after(clock, 1_000, 'd')));
    expect(pool.queued).toBe(3);
    controller.abort(new Error('caller gave up'));
    await flush();
    expect([aborted.ok, (aborted.error as Error).message, pool.queued]).toEqual([false, 'caller gave up', 2]);
    await clock.advance(100);
    expect([first.value, second.value, order]).toEqual(['a', 'b', ['b']]);
    expect(dequeued).toEqual([100, 100]);
    await clock.advance(1_000);
    expect(late.value).toBe('d');
    // A call queued behind a long one leaves after queueTimeout.
    const slow = track(pool.execute(after(clock, 2_000, 'slow')));
    const waiting = track(pool.execute(() => 'x'));
    await clock.advance(500);
    expect([waiting.ok, (waiting.error as BulkheadRejectedError).reason, rejected]).toEqual([
      false,
      'queueTimeout',
      ['queueTimeout'],
    ]);
    await clock.runAll();
    expect([slow.value, clock.pending, pool.active, pool.queued]).toEqual(['slow', 0, 0, 0]);
  });
});

describe('adaptiveBulkhead: sampling and the limit', () => {
  it('moves the limit only at the end of a window, on the call that ends it, and emits limitChanged { from, to }', async () => {
    const clock = new VirtualClock();
    const algorithm = recording((limit) => limit + 3);
    const pool = adaptiveBulkhead({ algorithm, clock, window: fastWindow(2) });
    const changes: unknown[] = [];
    pool.on('limitChanged', ({ from, to, at }) => changes.push({ from, to, at }));
    await call(clock, pool, 10, 1); // opens the window: ends at 10 + 100
    await call(clock, pool, 50, 1); // settles at 60: inside the window
    expect(algorithm.windows).toEqual([]);
    // Time passes with nothing running: no timer, no change.
    expect(clock.pending).toBe(0);
    await clock.advance(1_000);
    expect(pool.limit).toBe(20);
    // The first call to settle after the window's end ends it.
    await call(clock, pool, 30, 1);
    expect(algorithm.windows).toEqual([{ rtt: 30, minRtt: 10, inFlight: 1, samples: 3, didDrop: false, at: 1_090 }]);
    expect(changes).toEqual([{ from: 20, to: 23, at: 1_090 }]);
    expect(pool.limit).toBe(23);
  });

  it('samples the round-trip time and the calls in flight when each started, itself included', async () => {
    const clock = new VirtualClock();
    const algorithm = recording();
    const pool = adaptiveBulkhead({ algorithm, clock, window: fastWindow(1) });
    await call(clock, pool, 5, 1);
    const calls = [20, 40, 60].map((ms) => pool.execute(after(clock, ms, 1)));
    await clock.advance(200);
    await Promise.all(calls);
    await call(clock, pool, 1, 1);
    expect(algorithm.windows[0]).toMatchObject({ inFlight: 3, samples: 5, minRtt: 1, rtt: (5 + 20 + 40 + 60 + 1) / 5 });
  });

  it('counts a TimeoutError or an executed === false rejection from inside as a drop, other errors not', async () => {
    const clock = new VirtualClock();
    const algorithm = recording();
    const pool = adaptiveBulkhead({ algorithm, clock, window: fastWindow(1) });
    const failAfter = (ms: number, error: unknown) => () =>
      new Promise((_, reject) => clock.setTimeout(() => reject(error), ms));
    const run = async (fn: () => Promise<unknown>) => {
      const p = pool.execute(fn).catch(() => undefined);
      await clock.advance(200);
      await p;
    };
    await run(after(clock, 1, 1)); // opens
    await run(failAfter(5, new Error('plain failure')));
    await run(failAfter(5, new RateLimitedError(100)));
    await run(failAfter(5, new Error('plain failure')));
    const inner = pipeline(pool, timeout(5, { clock }));
    const timedOut = inner.execute(() => new Promise(() => undefined)).catch((e: unknown) => e);
    await clock.advance(200);
    expect(await timedOut).toBeInstanceOf(TimeoutError);
    await run(after(clock, 1, 1));
    expect(algorithm.windows.map((w) => w.didDrop)).toEqual([false, true, false, true, false]);
  });

  it('takes no sample from a call whose caller aborted, and frees its slot when it settles', async () => {
    const clock = new VirtualClock();
    const algorithm = recording();
    const pool = adaptiveBulkhead({ algorithm, clock, window: fastWindow(1) });
    await call(clock, pool, 1, 1); // opens the window
    await clock.advance(200);
    const controller = new AbortController();
    const aborted = pool.execute(
      ({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
      { signal: controller.signal },
    );
    controller.abort(new TimeoutError(1));
    await expect(aborted).rejects.toBeInstanceOf(TimeoutError);
    await flush();
    expect([algorithm.windows.length, pool.active]).toEqual([0, 0]);
    await call(clock, pool, 1, 1);
    expect(algorithm.windows).toMatchObject([{ samples: 2, didDrop: false }]);
  });

  it('uses isDrop when given; a throwing isDrop counts as no drop and is reported', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const clock = new VirtualClock();
      const algorithm = recording();
      const pool = adaptiveBulkhead({
        algorithm,
        clock,
        window: fastWindow(1),
        isDrop: (error) => {
          if ((error as Error).message === 'boom') throw new Error('isDrop broke');
          return (error as Error).message === 'overloaded';
        },
      });
      const fail = (message: string) => () =>
        new Promise((_, reject) => clock.setTimeout(() => reject(new Error(message)), 150));
      await call(clock, pool, 1, 1);
      for (const message of ['overloaded', 'boom', 'other']) {
        const p = pool.execute(fail(message)).catch(() => undefined);
        await clock.advance(150);
        await p;
      }
      expect(algorithm.windows.map((w) => w.didDrop)).toEqual([true, false, false]);
      expect(warn).toHaveBeenCalledTimes(1);
    } finally {
      warn.mockRestore();
    }
  });

  it('keeps an algorithm result within [minLimit, maxLimit], rounds it down, and ignores one that is not a number or throws', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const clock = new VirtualClock();
      const answers = [1_000, 0, 7.9, Number.NaN, 'x' as unknown as number];
      let i = 0;
      const pool = adaptiveBulkhead({
        algorithm: {
          update() {
            if (i === answers.length) throw new Error('algorithm broke');
            return answers[i++] as number;
          },
        },
        clock,
        minLimit: 2,
        maxLimit: 50,
        window: fastWindow(1),
      });
      const limits: number[] = [];
      await call(clock, pool, 1, 1);
      for (let k = 0; k <= answers.length; k++) {
        await clock.advance(200);
        await call(clock, pool, 1, 1);
        limits.push(pool.limit);
      }
      expect(limits).toEqual([50, 2, 7, 7, 7, 7]);
      expect(warn).toHaveBeenCalledTimes(1);
    } finally {
      warn.mockRestore();
    }
  });

  it('starts queued calls at once when the limit rises, and admits no one above a lowered limit', async () => {
    const clock = new VirtualClock();
    let next = 3;
    const pool = adaptiveBulkhead({
      algorithm: { update: () => next },
      clock,
      initialLimit: 1,
      maxQueue: 10,
      window: fastWindow(1),
    });
    await call(clock, pool, 1, 'open');
    await clock.advance(200);
    const d = deferred();
    const ender = track(pool.execute(after(clock, 1, 'ender'))); // ends the window when it settles
    const queued = [1, 2, 3].map(() => track(pool.execute(() => d.promise)));
    expect([pool.active, pool.queued]).toEqual([1, 3]);
    await clock.advance(1);
    await flush();
    // Limit 3: the three queued calls start (the one parked at the head at once, the others as p-limit reaches them).
    expect([ender.value, pool.limit, pool.active, pool.queued]).toEqual(['ender', 3, 3, 0]);
    // Lower it to 1 at the next window's end: the calls running finish, and the limit holds.
    next = 1;
    await clock.advance(200);
    d.resolve('done');
    await flush();
    await flush();
    expect(queued.every((q) => q.value === 'done')).toBe(true);
    expect([pool.limit, pool.active, pool.queued]).toEqual([1, 0, 0]);
  });

  it('hands new slots to every call waiting at the head of the queue the moment the limit rises', async () => {
    const clock = new VirtualClock();
    const pool = adaptiveBulkhead({
      algorithm: { update: () => 4 },
      clock,
      initialLimit: 2,
      maxQueue: 10,
      window: fastWindow(1),
    });
    await call(clock, pool, 1, 'open');
    await clock.advance(200);
    const long = deferred();
    const ender = track(pool.execute(after(clock, 5, 'ender'))); // ends the window when it settles
    const held = track(pool.execute(() => long.promise));
    // Both slots taken by calls that skipped the queue: these two wait at the head for a slot.
    const waiting = [track(pool.execute(() => long.promise)), track(pool.execute(() => long.promise))];
    await flush();
    expect([pool.active, pool.queued]).toEqual([2, 2]);
    await clock.advance(5);
    // Limit 4: both waiting calls start now, not one per release.
    expect([ender.value, pool.limit, pool.active, pool.queued]).toEqual(['ender', 4, 3, 0]);
    long.resolve('done');
    await flush();
    expect([held.value, ...waiting.map((w) => w.value), pool.active]).toEqual(['done', 'done', 'done', 0]);
  });

  it('admits no one while in flight is at or above a lowered limit', async () => {
    const clock = new VirtualClock();
    let next = 20;
    const pool = adaptiveBulkhead({
      algorithm: { update: () => next },
      clock,
      initialLimit: 3,
      maxQueue: 5,
      window: fastWindow(1),
    });
    await call(clock, pool, 1, 'open');
    await clock.advance(200);
    const gates = [deferred(), deferred(), deferred()];
    const running = gates.map((g) => track(pool.execute(() => g.promise)));
    next = 1;
    await clock.advance(5); // a sample under 100 µs would be ignored
    gates[0]?.resolve('a'); // ends the window: limit 1, two still run
    await flush();
    expect([pool.limit, pool.active]).toEqual([1, 2]);
    let admittedAt: number[] = [];
    const waiting = track(pool.execute(() => ((admittedAt = [pool.active, pool.limit]), 'w')));
    expect(pool.queued).toBe(1);
    gates[1]?.resolve('b');
    await flush();
    expect([waiting.settled, pool.active, pool.queued]).toEqual([false, 1, 1]);
    gates[2]?.resolve('c');
    await flush();
    await flush();
    expect([waiting.value, admittedAt]).toEqual(['w', [1, 1]]);
    expect(running.map((r) => r.value)).toEqual(['a', 'b', 'c']);
  });

  it('holds no timer while idle, with a window open', async () => {
    const clock = new VirtualClock();
    const pool = adaptiveBulkhead({ clock, algorithm: 'gradient2' });
    for (let i = 0; i < 5; i++) await call(clock, pool, 10, i);
    expect(clock.pending).toBe(0);
    expect(pool.active).toBe(0);
  });
});

describe('adaptiveBulkhead: keyed pools', () => {
  it('keyed(() => adaptiveBulkhead()) gives each key its own limit', async () => {
    const clock = new VirtualClock();
    const pools = keyed(() =>
      adaptiveBulkhead({ clock, initialLimit: 10, window: fastWindow(1), algorithm: { kind: 'aimd' } }),
    );
    const fail = () => new Promise((_, reject) => clock.setTimeout(() => reject(new TimeoutError(5)), 5));
    const run = async (key: string, fn: () => Promise<unknown>) => {
      const p = pools.execute(fn, { key }).catch(() => undefined);
      await clock.advance(150);
      await p;
    };
    await run('slow', fail);
    await run('fast', after(clock, 5, 1));
    await run('slow', fail);
    await run('fast', after(clock, 5, 1));
    expect([pools.get('slow').limit, pools.get('fast').limit, pools.get('slow').kind]).toEqual([
      9,
      10,
      'adaptiveBulkhead',
    ]);
  });
});
