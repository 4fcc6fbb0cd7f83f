// Tests that pin behaviour mutation testing found unpinned.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { circuitBreaker, type CircuitBreakerOptions, IsolatedCircuitError } from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';
import { deferred } from '../support/async.js';

const boom = new Error('boom');

/** A call that takes `ms` on the virtual clock, then succeeds or fails. */
function takes(clock: VirtualClock, ms: number, fails = false): () => Promise<string> {
  return () =>
    new Promise<string>((resolve, reject) => {
      clock.setTimeout(() => (fails ? reject(boom) : resolve('ok')), ms);
    });
}

const swallow = (): void => {};

afterEach(() => {
  vi.restoreAllMocks();
});

describe('circuitBreaker mutation: initialState validation names the field and the value', () => {
  const valid = { version: 1, state: 'closed', opens: 0, retryAfter: 0, window: { kind: 'time', ms: 10_000, buckets: 10, data: [] } };
  const time = (w: object) => ({ ...valid, window: { kind: 'time', ms: 1_000, buckets: 10, data: [], ...w } });
  it.each([
    [{ ...valid, window: [] }, TypeError, 'initialState.window must be an object, got an array'],
    [{ ...valid, window: null }, TypeError, 'initialState.window must be an object, got null'],
    [{ ...valid, opens: '1' }, TypeError, 'initialState.opens must be an integer in [0, 9007199254740991], got "1"'],
    [{ ...valid, opens: 1.5 }, RangeError, 'initialState.opens must be an integer in [0, 9007199254740991], got 1.5'],
    [{ ...valid, window: { kind: 'consecutive', failures: -1 } }, RangeError, 'initialState.window.failures must be an integer in [0, 9007199254740991], got -1'],
    [{ ...valid, window: { kind: 'count', size: 0, outcomes: '' } }, RangeError, 'initialState.window.size must be an integer in [1, 9007199254740991], got 0'],
    [{ ...valid, window: { kind: 'count', size: 3, outcomes: 5 } }, TypeError, 'initialState.window.outcomes must be a string of at most 3 digits 0-3, got 5'],
    [{ ...valid, window: { kind: 'count', size: 2, outcomes: '000' } }, RangeError, 'initialState.window.outcomes must be a string of at most 2 digits 0-3, got "000"'],
    // A non-number ms is a RangeError today where every other wrong type is a TypeError: only the message is pinned.
    [time({ ms: '5' }), TypeError, 'initialState.window.ms must be a positive finite number, got "5"'],
    [time({ ms: 0 }), RangeError, 'initialState.window.ms must be a positive finite number, got 0'],
    [time({ ms: Infinity }), RangeError, 'initialState.window.ms must be a positive finite number, got Infinity'],
    [time({ buckets: 0 }), RangeError, 'initialState.window.buckets must be an integer in [1, 10000], got 0'],
    [time({ data: {} }), TypeError, 'initialState.window.data must be an array of at most 10 buckets, got an object'],
    [time({ buckets: 1, data: [[0, 1, 0, 0], [0, 1, 0, 0]] }), RangeError, 'initialState.window.data must be an array of at most 1 buckets, got an array'],
    [time({ data: [5] }), TypeError, 'initialState.window.data[0] must be an array [age, calls, failures, slowCalls], got 5'],
    [time({ data: [[0, 1, 0]] }), TypeError, 'initialState.window.data[0] must be an array [age, calls, failures, slowCalls], got an array'],
    [time({ data: [[0, 0, 0, 0]] }), RangeError, 'initialState.window.data[0][1] must be an integer in [1, 9007199254740991], got 0'],
    [time({ data: [[0, 1, 0, 2]] }), RangeError, 'initialState.window.data[0][3] must be an integer in [0, 1], got 2'],
    [{ ...valid, state: 5 }, RangeError, 'initialState.state must be one of "closed", "open", "halfOpen", "isolated", got 5'],
    [{ ...valid, retryAfter: -1 }, RangeError, 'initialState.retryAfter must be a finite number >= 0, got -1'],
    [{ ...valid, retryAfter: Infinity }, RangeError, 'initialState.retryAfter must be a finite number >= 0, got Infinity'],
    [{ ...valid, retryAfter: '1' }, TypeError, 'initialState.retryAfter must be a finite number >= 0, got "1"'],
  ])('rejects %j', (initialState, type, message) => {
    let thrown: unknown;
    try {
      circuitBreaker({ initialState: initialState as never });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(type);
    expect((thrown as Error).message).toBe(`circuitBreaker: ${message}`);
  });

  it('accepts a time snapshot with one entry per bucket', () => {
    const data = [
      [1, 1, 0, 0],
      [0, 1, 1, 0],
    ];
    const b = circuitBreaker({
      clock: new VirtualClock(),
      window: { kind: 'time', ms: 1_000, buckets: 2 },
      minimumCalls: 100,
      initialState: { version: 1, state: 'closed', opens: 0, retryAfter: 0, window: { kind: 'time', ms: 1_000, buckets: 2, data } } as never,
    });
    expect(b.stats).toMatchObject({ calls: 2, failures: 1 });
  });

  it('accepts the oldest bucket age (buckets − 1) and restores a time window exactly', () => {
    const clock = new VirtualClock(10_000);
    const data = [
      [9, 2, 1, 0],
      [3, 1, 1, 1],
      [0, 4, 0, 2],
    ];
    const b = circuitBreaker({
      clock,
      window: { kind: 'time', ms: 1_000, buckets: 10 },
      minimumCalls: 100,
      slowCall: { ms: 50, rate: 1 },
      initialState: { version: 1, state: 'closed', opens: 0, retryAfter: 0, window: { kind: 'time', ms: 1_000, buckets: 10, data } } as never,
    });
    expect(b.stats).toEqual({ calls: 7, failures: 2, slowCalls: 3, failureRate: 2 / 7, slowCallRate: 3 / 7 });
    expect(b.snapshot().window).toEqual({ kind: 'time', ms: 1_000, buckets: 10, data });
  });
});

describe('circuitBreaker mutation: windows', () => {
  it('a time window keeps exactly the calls of its last buckets as time moves', async () => {
    const clock = new VirtualClock();
    const b = circuitBreaker({ clock, window: { kind: 'time', ms: 1_000, buckets: 4 }, minimumCalls: 1_000 });
    const perStep: number[] = [];
    for (let step = 0; step < 12; step++) {
      const k = (step % 3) + 1;
      for (let i = 0; i < k; i++) await b.execute(() => 'ok');
      perStep.push(k);
      const expected = perStep.slice(-4).reduce((a, x) => a + x, 0);
      expect(b.stats.calls).toBe(expected);
      const ages = b.snapshot().window;
      expect(ages).toEqual({
        kind: 'time',
        ms: 1_000,
        buckets: 4,
        data: perStep.slice(-4).map((calls, j, all) => [all.length - 1 - j, calls, 0, 0]),
      });
      await clock.advance(250);
    }
  });

  it('a time window counts slow calls and forgets them when their bucket expires', async () => {
    const clock = new VirtualClock();
    const b = circuitBreaker({ clock, window: { kind: 'time', ms: 1_000, buckets: 4 }, minimumCalls: 10, slowCall: { ms: 20, rate: 1 } });
    const p = b.execute(takes(clock, 30));
    await clock.advance(30);
    await p;
    await b.execute(() => 'fast');
    expect(b.stats).toEqual({ calls: 2, failures: 0, slowCalls: 1, failureRate: 0, slowCallRate: 0.5 });
    await clock.advance(1_000);
    expect(b.stats).toEqual({ calls: 0, failures: 0, slowCalls: 0, failureRate: 0, slowCallRate: 0 });
  });

  it('a restored newest bucket takes the next call in the same bucket', async () => {
    const clock = new VirtualClock(5_000);
    const b = circuitBreaker({
      clock,
      window: { kind: 'time', ms: 1_000, buckets: 4 },
      minimumCalls: 100,
      initialState: { version: 1, state: 'closed', opens: 0, retryAfter: 0, window: { kind: 'time', ms: 1_000, buckets: 4, data: [[0, 2, 0, 0]] } },
    });
    await b.execute(() => 'ok');
    expect(b.snapshot().window).toEqual({ kind: 'time', ms: 1_000, buckets: 4, data: [[0, 3, 0, 0]] });
  });

  it('reset empties a time window', async () => {
    const clock = new VirtualClock();
    const b = circuitBreaker({ clock, window: { kind: 'time', ms: 1_000, buckets: 4 }, minimumCalls: 100 });
    await b.execute(() => 'ok');
    await b.execute(() => Promise.reject(boom)).catch(swallow);
    expect(b.stats.calls).toBe(2);
    b.reset();
    expect(b.stats.calls).toBe(0);
    expect(b.snapshot().window).toEqual({ kind: 'time', ms: 1_000, buckets: 4, data: [] });
  });

  it('a count window lists outcomes oldest first after it wraps around', async () => {
    const b = circuitBreaker({ window: { kind: 'count', size: 3 }, minimumCalls: 3, failureRate: 1 });
    for (const fails of [true, false, true, false]) {
      await b.execute(() => (fails ? Promise.reject(boom) : 'ok')).catch(swallow);
    }
    expect(b.snapshot().window).toEqual({ kind: 'count', size: 3, outcomes: '010' });
  });

  it('a count window forgets a slow call that leaves the ring', async () => {
    const b = circuitBreaker({
      window: { kind: 'count', size: 2 },
      minimumCalls: 2,
      slowCall: { ms: 100, rate: 1 },
      initialState: { version: 1, state: 'closed', opens: 0, retryAfter: 0, window: { kind: 'count', size: 2, outcomes: '22' } },
    });
    expect(b.stats).toMatchObject({ calls: 2, slowCalls: 2 });
    await b.execute(() => 'fast');
    expect(b.stats).toEqual({ calls: 2, failures: 0, slowCalls: 1, failureRate: 0, slowCallRate: 0.5 });
  });

  it.each<[string, CircuitBreakerOptions['window'], object]>([
    ['a consecutive window, a count snapshot', { kind: 'consecutive', failures: 3 }, { kind: 'count', size: 2, outcomes: '11' }],
    ['a count window, a count snapshot of another size', { kind: 'count', size: 3 }, { kind: 'count', size: 5, outcomes: '11' }],
    ['a count window, a consecutive snapshot', { kind: 'count', size: 3 }, { kind: 'consecutive', failures: 2 }],
    ['a time window, another ms', { kind: 'time', ms: 1_000, buckets: 4 }, { kind: 'time', ms: 2_000, buckets: 4, data: [[0, 2, 2, 0]] }],
    ['a time window, other buckets', { kind: 'time', ms: 1_000, buckets: 4 }, { kind: 'time', ms: 1_000, buckets: 5, data: [[0, 2, 2, 0]] }],
    ['a time window, a count snapshot', { kind: 'time', ms: 1_000, buckets: 4 }, { kind: 'count', size: 2, outcomes: '11' }],
  ])('%s: the window starts empty', (_what, window, snapshotWindow) => {
    const b = circuitBreaker({
      window,
      minimumCalls: window?.kind === 'consecutive' ? undefined : 1,
      initialState: { version: 1, state: 'closed', opens: 0, retryAfter: 0, window: snapshotWindow as never },
    });
    expect(b.stats).toEqual({ calls: 0, failures: 0, slowCalls: 0, failureRate: 0, slowCallRate: 0 });
  });
});

describe('circuitBreaker mutation: the state machine', () => {
  it('reads "closed" for a breaker that never opened', () => {
    expect(circuitBreaker().state).toBe('closed');
  });

  it('a hung probe is timed from the oldest probe start', async () => {
    const clock = new VirtualClock();
    const b = circuitBreaker({ clock, window: { kind: 'consecutive', failures: 1 }, openFor: 100, halfOpen: { probes: 2, maxWait: 1_000 } });
    await b.execute(() => Promise.reject(boom)).catch(swallow);
    await clock.advance(100);
    const hang = () => new Promise<never>(() => {});
    void b.execute(hang).catch(swallow);
    await clock.advance(500);
    void b.execute(hang).catch(swallow);
    await clock.advance(500);
    expect(b.state).toBe('open');
  });

  it('a call that started before reset() is not counted, whether it succeeds or fails', async () => {
    for (const fails of [false, true]) {
      const b = circuitBreaker({ window: { kind: 'count', size: 10 }, minimumCalls: 1 });
      const d = deferred();
      const p = b.execute(() => d.promise).catch(swallow);
      b.reset();
      if (fails) d.reject(boom);
      else d.resolve('ok');
      await p;
      expect(b.stats.calls).toBe(0);
      expect(b.state).toBe('closed');
    }
  });

  it('a closed snapshot restores zero opens: the next open asks openFor for the first', async () => {
    const asked: number[] = [];
    const b = circuitBreaker({
      window: { kind: 'consecutive', failures: 1 },
      openFor: (n) => {
        asked.push(n);
        return 1_000;
      },
      initialState: { version: 1, state: 'closed', opens: 3, retryAfter: 0, window: { kind: 'consecutive', failures: 0 } },
    });
    await b.execute(() => Promise.reject(boom)).catch(swallow);
    expect(asked).toEqual([1]);
    expect(b.snapshot().opens).toBe(1);
  });
});

describe('circuitBreaker mutation: rejections carry no stack', () => {
  it('an isolated breaker rejects with a stackless IsolatedCircuitError and leaves Error.stackTraceLimit as it was', async () => {
    const before = Error.stackTraceLimit;
    const b = circuitBreaker();
    b.isolate();
    const error = await b.execute(() => 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IsolatedCircuitError);
    expect((error as Error).stack ?? '').not.toMatch(/\n\s+at /);
    expect(Error.stackTraceLimit).toBe(before);
  });

  it('without a numeric Error.stackTraceLimit the rejection is still made and the limit left alone', async () => {
    const before = Error.stackTraceLimit;
    try {
      (Error as { stackTraceLimit?: unknown }).stackTraceLimit = undefined;
      const b = circuitBreaker();
      b.isolate();
      const error = await b.execute(() => 'x').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IsolatedCircuitError);
      expect((Error as { stackTraceLimit?: unknown }).stackTraceLimit).toBeUndefined();
    } finally {
      Error.stackTraceLimit = before;
    }
  });
});

describe('circuitBreaker mutation: options', () => {
  it('window null is a TypeError that names the option', () => {
    expect(() => circuitBreaker({ window: null as never })).toThrow(TypeError);
    expect(() => circuitBreaker({ window: null as never })).toThrow('circuitBreaker: window must be an object with a kind, got null');
  });

  it('a time window without buckets uses 10; the most buckets allowed is 10,000', async () => {
    const clock = new VirtualClock();
    const b = circuitBreaker({ clock, window: { kind: 'time', ms: 1_000 }, minimumCalls: 100 });
    await b.execute(() => 'ok');
    expect(b.snapshot().window).toMatchObject({ kind: 'time', ms: 1_000, buckets: 10 });
    expect(circuitBreaker({ window: { kind: 'time', ms: 1_000, buckets: 10_000 } }).snapshot().window).toMatchObject({ buckets: 10_000 });
  });

  it('the default minimumCalls is 20, or the count window size when smaller', async () => {
    const big = circuitBreaker({ window: { kind: 'count', size: 50 } });
    for (let i = 0; i < 19; i++) await big.execute(() => Promise.reject(boom)).catch(swallow);
    expect(big.state).toBe('closed');
    await big.execute(() => Promise.reject(boom)).catch(swallow);
    expect(big.state).toBe('open');
    const small = circuitBreaker({ window: { kind: 'count', size: 5 } });
    for (let i = 0; i < 4; i++) await small.execute(() => Promise.reject(boom)).catch(swallow);
    expect(small.state).toBe('closed');
    await small.execute(() => Promise.reject(boom)).catch(swallow);
    expect(small.state).toBe('open');
  });

  it('openFor returning 0 half-opens at once; a throwing or invalid openFor warns and uses 10 s', async () => {
    const zero = circuitBreaker({ window: { kind: 'consecutive', failures: 1 }, openFor: () => 0, clock: new VirtualClock() });
    await zero.execute(() => Promise.reject(boom)).catch(swallow);
    expect(zero.state).toBe('halfOpen');

    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    for (const openFor of [
      () => {
        throw boom;
      },
      () => -1,
      () => Number.NaN,
    ]) {
      warn.mockClear();
      const clock = new VirtualClock();
      const b = circuitBreaker({ clock, window: { kind: 'consecutive', failures: 1 }, openFor });
      await b.execute(() => Promise.reject(boom)).catch(swallow);
      expect(warn).toHaveBeenCalledTimes(1);
      await clock.advance(9_999);
      expect(b.state).toBe('open');
      await clock.advance(1);
      expect(b.state).toBe('halfOpen');
    }
    warn.mockClear();
    const clock = new VirtualClock();
    const b = circuitBreaker({ clock, window: { kind: 'consecutive', failures: 1 }, openFor: () => -1 });
    await b.execute(() => Promise.reject(boom)).catch(swallow);
    const warned = warn.mock.calls[0]?.[0];
    expect(String(warned instanceof Error ? warned.message : warned)).toContain(
      'openFor(1) of policy "circuitBreaker" must return a finite number >= 0, got -1 (using 10000)',
    );
  });
});

describe('circuitBreaker mutation: events and classification', () => {
  it('only a success listener still gets the measured duration', async () => {
    const clock = new VirtualClock();
    const b = circuitBreaker({ clock });
    const seen: number[] = [];
    b.on('success', (e) => seen.push(e.durationMs));
    const p = b.execute(takes(clock, 25));
    await clock.advance(25);
    await p;
    expect(seen).toEqual([25]);
  });

  it('only a failure listener still gets the measured duration', async () => {
    const clock = new VirtualClock();
    const b = circuitBreaker({ clock });
    const seen: number[] = [];
    b.on('failure', (e) => seen.push(e.durationMs));
    const p = b.execute(takes(clock, 25, true)).catch(swallow);
    await clock.advance(25);
    await p;
    expect(seen).toEqual([25]);
  });

  it('a success that brings the window to minimumCalls can open the breaker, and says so', async () => {
    const b = circuitBreaker({ window: { kind: 'count', size: 4 }, minimumCalls: 4, failureRate: 0.5 });
    const changes: string[] = [];
    b.on('stateChange', (e) => changes.push(`${e.from}>${e.to}:${e.reason}`));
    for (let i = 0; i < 3; i++) await b.execute(() => Promise.reject(boom)).catch(swallow);
    expect(changes).toEqual([]);
    await b.execute(() => 'ok');
    expect(changes).toEqual(['closed>open:failureRate']);
  });

  it('a stateChange listener that aborts the caller keeps the function from running', async () => {
    const clock = new VirtualClock();
    const b = circuitBreaker({ clock, window: { kind: 'consecutive', failures: 1 }, openFor: 100 });
    await b.execute(() => Promise.reject(boom)).catch(swallow);
    await clock.advance(100);
    const controller = new AbortController();
    b.on('stateChange', () => controller.abort(new Error('stop')));
    let ran = false;
    const error = await b
      .execute(
        () => {
          ran = true;
          return 'x';
        },
        { signal: controller.signal },
      )
      .catch((e: unknown) => e);
    expect((error as Error).message).toBe('stop');
    expect(ran).toBe(false);
  });

  it('a stateChange listener that resets the breaker lets the call run', async () => {
    const clock = new VirtualClock();
    const b = circuitBreaker({ clock, window: { kind: 'consecutive', failures: 1 }, openFor: 100 });
    await b.execute(() => Promise.reject(boom)).catch(swallow);
    await clock.advance(100);
    b.once('stateChange', () => b.reset());
    await expect(b.execute(() => 'ran')).resolves.toBe('ran');
    expect(b.state).toBe('closed');
  });

  it('a value with executed: false counts as a success, not as neither', async () => {
    const b = circuitBreaker({ window: { kind: 'count', size: 5 }, minimumCalls: 5 });
    await b.execute(() => ({ executed: false }));
    expect(b.stats.calls).toBe(1);
  });

  it('after the caller aborts, an error other than the abort reason still counts as a failure', async () => {
    const b = circuitBreaker({ window: { kind: 'count', size: 5 }, minimumCalls: 5 });
    const controller = new AbortController();
    const d = deferred();
    const p = b.execute(() => d.promise, { signal: controller.signal }).catch(swallow);
    controller.abort(new Error('caller gone'));
    d.reject(boom);
    await p;
    await Promise.resolve();
    expect(b.stats).toMatchObject({ calls: 1, failures: 1 });
  });

  it('failOn sees the outcome: a value it names counts as a failure', async () => {
    const b = circuitBreaker({
      window: { kind: 'count', size: 5 },
      minimumCalls: 5,
      failOn: (o) => o.ok && o.value === 'bad',
    });
    await b.execute(() => 'bad');
    await b.execute(() => 'good');
    expect(b.stats).toMatchObject({ calls: 2, failures: 1 });
  });
});
