import { describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import {
  type Context,
  DEFAULT_TIMEOUT_STRATEGY,
  isTimeoutError,
  pipeline,
  timeout,
  TimeoutError,
} from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';
import { track } from '../support/async.js';

const never = <T>(): Promise<T> => new Promise<T>(() => {});

/** A function that resolves with `value` after `ms` on `clock`. */
function after<T>(clock: VirtualClock, ms: number, value: T): () => Promise<T> {
  return () => new Promise<T>((resolve) => clock.setTimeout(() => resolve(value), ms));
}

describe('timeout: defaults and validation', () => {
  it('defaults to the aggressive strategy and the name "timeout"', () => {
    expect(DEFAULT_TIMEOUT_STRATEGY).toBe('aggressive');
    const t = timeout(10);
    expect(t.strategy).toBe('aggressive');
    expect(t.name).toBe('timeout');
    expect(t.ms).toBe(10);
  });

  it.each([
    [0, RangeError, 'timeout: ms must be a positive finite number, got 0'],
    [-1, RangeError, 'timeout: ms must be a positive finite number, got -1'],
    [-5, RangeError, 'timeout: ms must be a positive finite number, got -5'],
    [NaN, RangeError, 'timeout: ms must be a positive finite number, got NaN'],
    [Infinity, RangeError, 'timeout: ms must be a positive finite number, got Infinity'],
    ['5', TypeError, 'timeout: ms must be a positive finite number, got "5"'],
    [undefined, TypeError, 'timeout: ms must be a positive finite number, got undefined'],
    [2_147_483_648, RangeError, 'timeout: ms must be at most 2147483647 (about 24.8 days), got 2147483648'],
  ])('rejects ms = %s with a %s naming the option and value', (ms, type, message) => {
    expect(() => timeout(ms as number)).toThrow(type);
    expect(() => timeout(ms as number)).toThrow(message);
  });

  it('rejects an unknown strategy naming the option and value', () => {
    expect(() => timeout(10, { strategy: 'eager' as never })).toThrow(RangeError);
    expect(() => timeout(10, { strategy: 'eager' as never })).toThrow(
      'timeout: strategy must be one of "aggressive", "cooperative", got "eager"',
    );
    expect(() => timeout(10, { strategy: 1 as never })).toThrow(TypeError);
  });

  it('rejects a bad clock, name and options object', () => {
    expect(() => timeout(10, { clock: {} as never })).toThrow(
      'timeout: clock must be an object with now, setTimeout and clearTimeout, got an object',
    );
    expect(() => timeout(10, { name: '' })).toThrow('timeout: name must be a non-empty string, got ""');
    expect(() => timeout(10, 5 as never)).toThrow('timeout: options must be an object, got 5');
  });

  it('rejects a non-function passed to execute', async () => {
    await expect(timeout(10).execute(5 as never)).rejects.toThrow(TypeError);
  });
});

describe('timeout: aggressive', () => {
  it('resolves with the value when fn wins, clears the timer and never aborts the signal', async () => {
    const clock = new VirtualClock();
    const t = timeout(100, { clock });
    let signal: AbortSignal | undefined;
    const p = t.execute((ctx) => {
      signal = ctx.signal;
      return after(clock, 50, 'ok')();
    });
    await clock.advance(50);
    await expect(p).resolves.toBe('ok');
    expect(signal?.aborted).toBe(false);
    expect(clock.pending).toBe(0);
  });

  it('rejects with TimeoutError exactly at the deadline without waiting for fn', async () => {
    const clock = new VirtualClock();
    const t = timeout(100, { clock });
    let signal: AbortSignal | undefined;
    const state = track(t.execute((ctx) => ((signal = ctx.signal), never())));
    await clock.advance(99);
    expect(state.settled).toBe(false);
    await clock.advance(1);
    expect(state.ok).toBe(false);
    expect(state.error).toBeInstanceOf(TimeoutError);
    expect((state.error as TimeoutError).ms).toBe(100);
    expect((state.error as TimeoutError).executed).toBe(true);
    expect(isTimeoutError(state.error)).toBe(true);
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBe(state.error);
    expect(clock.pending).toBe(0);
  });

  it('aborts a signal read after the deadline, too', async () => {
    const clock = new VirtualClock();
    let ctx: Context | undefined;
    const p = timeout(10, { clock }).execute((c) => ((ctx = c), never()));
    p.catch(() => {});
    await clock.advance(10);
    expect(ctx?.signal.aborted).toBe(true);
    expect(ctx?.signal.reason).toBeInstanceOf(TimeoutError);
  });

  it('rejects with the error fn throws, synchronously or not', async () => {
    const clock = new VirtualClock();
    const t = timeout(100, { clock });
    const boom = new Error('boom');
    await expect(
      t.execute(() => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    await expect(t.execute(() => Promise.reject(boom))).rejects.toBe(boom);
    expect(clock.pending).toBe(0);
  });

  it('accepts a plain value or a thenable from fn', async () => {
    const t = timeout(100, { clock: new VirtualClock() });
    await expect(t.execute(() => 7)).resolves.toBe(7);
    const thenable = { then: (r: (v: number) => void) => r(8) } as unknown as PromiseLike<number>;
    await expect(t.execute(() => thenable)).resolves.toBe(8);
  });

  it('emits the timeout event with the common payload', async () => {
    const clock = new VirtualClock(1000);
    const t = timeout(100, { clock, name: 'db' });
    const events: unknown[] = [];
    t.on('timeout', (e) => events.push(e));
    const p = t.execute(() => never(), { key: 'users', correlationId: 'req-1' });
    p.catch(() => {});
    await clock.advance(100);
    expect(events).toEqual([{ ms: 100, policy: 'db', key: 'users', correlationId: 'req-1', at: 1100 }]);
    expect(Object.isFrozen(events[0])).toBe(true);
  });
});

describe('timeout: cooperative', () => {
  it('aborts the signal at the deadline and keeps the value when fn then resolves', async () => {
    const clock = new VirtualClock();
    const t = timeout(100, { clock, strategy: 'cooperative' });
    let signal: AbortSignal | undefined;
    const state = track(t.execute((ctx) => ((signal = ctx.signal), after(clock, 150, 'late')())));
    await clock.advance(100);
    expect(signal?.aborted).toBe(true);
    expect(state.settled).toBe(false);
    await clock.advance(50);
    expect(state).toMatchObject({ ok: true, value: 'late' });
    expect(clock.pending).toBe(0);
  });

  it('rejects with a TimeoutError whose cause is the error of fn after the deadline', async () => {
    const clock = new VirtualClock();
    const t = timeout(100, { clock, strategy: 'cooperative' });
    const state = track(
      t.execute(
        ({ signal }) =>
          new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('stopped')))),
      ),
    );
    await clock.advance(100);
    expect(state.ok).toBe(false);
    expect(state.error).toBeInstanceOf(TimeoutError);
    expect(((state.error as TimeoutError).cause as Error).message).toBe('stopped');
  });

  it('does not wrap the TimeoutError itself when fn rethrows the signal reason', async () => {
    const clock = new VirtualClock();
    const t = timeout(100, { clock, strategy: 'cooperative' });
    const state = track(
      t.execute(
        ({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
      ),
    );
    await clock.advance(100);
    expect(state.error).toBeInstanceOf(TimeoutError);
    expect((state.error as TimeoutError).cause).toBeUndefined();
  });

  it('rejects with the error of fn unchanged when fn fails before the deadline', async () => {
    const clock = new VirtualClock();
    const boom = new Error('boom');
    await expect(timeout(100, { clock, strategy: 'cooperative' }).execute(() => Promise.reject(boom))).rejects.toBe(
      boom,
    );
    expect(clock.pending).toBe(0);
  });
});

describe('timeout: caller abort', () => {
  it.each(['aggressive', 'cooperative'] as const)(
    '%s: rejects with signal.reason before the call and never runs fn',
    async (strategy) => {
      const clock = new VirtualClock();
      const controller = new AbortController();
      const reason = new Error('caller gone');
      controller.abort(reason);
      const fn = vi.fn(() => 1);
      await expect(timeout(100, { clock, strategy }).execute(fn, { signal: controller.signal })).rejects.toBe(reason);
      expect(fn).not.toHaveBeenCalled();
      expect(clock.pending).toBe(0);
    },
  );

  it('aggressive: rejects with signal.reason at once during the call and aborts ctx.signal', async () => {
    const clock = new VirtualClock();
    const controller = new AbortController();
    let signal: AbortSignal | undefined;
    const state = track(
      timeout(100, { clock }).execute((ctx) => ((signal = ctx.signal), never()), { signal: controller.signal }),
    );
    await clock.advance(10);
    controller.abort('stop');
    await Promise.resolve();
    await Promise.resolve();
    expect(state).toMatchObject({ settled: true, ok: false, error: 'stop' });
    expect(signal?.reason).toBe('stop');
    expect(clock.pending).toBe(0);
  });

  it('cooperative: aborts ctx.signal with the reason and rejects with signal.reason at once, without waiting for fn', async () => {
    const clock = new VirtualClock();
    const controller = new AbortController();
    let signal: AbortSignal | undefined;
    const state = track(
      timeout(100, { clock, strategy: 'cooperative' }).execute(
        (ctx) => ((signal = ctx.signal), after(clock, 30, 'v')()),
        { signal: controller.signal },
      ),
    );
    await clock.advance(10);
    controller.abort('stop');
    await clock.advance(0);
    expect(state).toMatchObject({ settled: true, ok: false, error: 'stop' });
    expect(signal?.reason).toBe('stop');
    await clock.advance(20);
    expect(state.count).toBe(1);
    expect(clock.pending).toBe(0);
  });

  it('keeps the default DOMException reason unchanged', async () => {
    const controller = new AbortController();
    const p = timeout(100, { clock: new VirtualClock() }).execute(() => never(), { signal: controller.signal });
    controller.abort();
    await expect(p).rejects.toBe(controller.signal.reason);
  });
});

describe('timeout: nesting and pipelines', () => {
  it('a nested execute that is handed the outer signal is cancelled by the outer timeout', async () => {
    const clock = new VirtualClock(500);
    const outer = timeout(100, { clock, name: 'outer' });
    const inner = timeout(300, { clock, name: 'inner' });
    let innerDeadline: number | undefined;
    const state = track(
      outer.execute((octx) => {
        expect(octx.deadline).toBe(600);
        return inner.execute((ictx) => ((innerDeadline = ictx.deadline), never()), { signal: octx.signal });
      }),
    );
    // A separate execute() is a new call: its own deadline; pipelines carry the enclosing one.
    expect(innerDeadline).toBe(800);
    expect(clock.pending).toBe(2);
    await clock.advance(100);
    expect(state.error).toMatchObject({ ms: 100 });
    expect(clock.pending).toBe(0);
  });

  it('inside a pipeline, the outer deadline flows to the inner context and the outer timeout cancels the inner timer', async () => {
    const clock = new VirtualClock(0);
    const p = pipeline(timeout(100, { clock }), timeout(300, { clock }));
    let ctx: Context | undefined;
    const state = track(p.execute((c) => ((ctx = c), never())));
    expect(ctx?.deadline).toBe(100);
    expect(clock.pending).toBe(2);
    await clock.advance(100);
    expect(state.error).toMatchObject({ ms: 100 });
    expect(ctx?.signal.aborted).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('the inner, tighter timeout fires first inside a pipeline', async () => {
    const clock = new VirtualClock(0);
    const p = pipeline(timeout(300, { clock }), timeout(100, { clock }));
    let ctx: Context | undefined;
    const state = track(p.execute((c) => ((ctx = c), never())));
    expect(ctx?.deadline).toBe(100);
    await clock.advance(100);
    expect(state.error).toMatchObject({ ms: 100 });
    expect(clock.pending).toBe(0);
  });

  it('the context is the same object for every layer that does not own a scope and is stable through nesting', async () => {
    const clock = new VirtualClock();
    const seen: Context[] = [];
    const p = pipeline(pipeline(timeout(100, { clock })), pipeline());
    await p.execute(
      (ctx) => {
        seen.push(ctx);
        return 1;
      },
      { key: 'k', correlationId: 'c', idempotent: true },
    );
    const [ctx] = seen;
    expect(ctx?.attempt).toBe(1);
    expect(ctx?.key).toBe('k');
    expect(ctx?.correlationId).toBe('c');
    expect(ctx?.idempotent).toBe(true);
    expect(ctx?.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    expect(ctx?.idempotencyKey).toBe(ctx?.idempotencyKey);
  });
});

describe('timeout: properties', () => {
  it('aggressive: a call settles exactly at min(fn duration, timeout) and leaves no timer', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1_000 }),
        fc.integer({ min: 0, max: 1_500 }),
        fc.boolean(),
        async (ms, duration, fails) => {
          const clock = new VirtualClock();
          const t = timeout(ms, { clock });
          let settledAt: number | undefined;
          let error: unknown;
          t.execute(
            () =>
              new Promise((resolve, reject) =>
                clock.setTimeout(() => (fails ? reject(new Error('x')) : resolve(1)), duration),
              ),
          ).then(
            () => {
              settledAt = clock.now();
            },
            (e: unknown) => {
              settledAt = clock.now();
              error = e;
            },
          );
          await clock.runAll();
          expect(settledAt).toBe(Math.min(ms, duration));
          if (duration < ms) expect(error instanceof TimeoutError).toBe(false);
          if (ms <= duration) expect(error).toBeInstanceOf(TimeoutError);
          expect(clock.pending).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('both strategies: under random durations, timeouts and caller aborts, every call settles once and leaves nothing behind', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('aggressive' as const, 'cooperative' as const),
        fc.integer({ min: 1, max: 500 }),
        fc.integer({ min: 0, max: 800 }),
        fc.option(fc.integer({ min: 0, max: 800 }), { nil: undefined }),
        async (strategy, ms, duration, abortAt) => {
          const clock = new VirtualClock();
          const controller = new AbortController();
          const add = vi.spyOn(controller.signal, 'addEventListener');
          const remove = vi.spyOn(controller.signal, 'removeEventListener');
          const t = timeout(ms, { clock, strategy });
          const state = track(t.execute(after(clock, duration, 'v'), { signal: controller.signal }));
          if (abortAt !== undefined) clock.setTimeout(() => controller.abort('caller'), abortAt);
          await clock.runAll();
          expect(state.count).toBe(1);
          const abortedFirst = abortAt !== undefined && abortAt < Math.min(ms, duration);
          if (abortedFirst) expect(state.error).toBe('caller');
          expect(clock.pending).toBe(0);
          expect(add.mock.calls.length).toBe(remove.mock.calls.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('timeout: leaks', () => {
  it('100,000 sequential calls leave no timer and no listener on the caller signal', async () => {
    const clock = new VirtualClock();
    const t = timeout(1_000, { clock });
    const controller = new AbortController();
    let added = 0;
    let removed = 0;
    const signal = controller.signal;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((...args: Parameters<AbortSignal['addEventListener']>) => {
      added++;
      add(...args);
    }) as AbortSignal['addEventListener'];
    signal.removeEventListener = ((...args: Parameters<AbortSignal['removeEventListener']>) => {
      removed++;
      remove(...args);
    }) as AbortSignal['removeEventListener'];
    for (let i = 0; i < 100_000; i++) {
      await t.execute(async () => i, { signal });
    }
    expect(clock.pending).toBe(0);
    expect(added).toBe(100_000);
    expect(removed).toBe(100_000);
  });

  it('on the system clock, no abort listener and no timer outlives the calls', async () => {
    const t = timeout(60_000);
    const controller = new AbortController();
    for (let i = 0; i < 1_000; i++) await t.execute(() => i, { signal: controller.signal });
    // Node exposes the listener count of an EventTarget through getEventListeners.
    const { getEventListeners } = (await import('node:events')) as unknown as {
      getEventListeners(target: EventTarget, type: string): unknown[];
    };
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    // No live timer from the calls keeps the process busy.
    const timers = () =>
      (process as unknown as { getActiveResourcesInfo(): string[] })
        .getActiveResourcesInfo()
        .filter((h) => h === 'Timeout').length;
    const before = timers();
    for (let i = 0; i < 1_000; i++) await t.execute(() => i);
    expect(timers()).toBe(before);
  });
});
