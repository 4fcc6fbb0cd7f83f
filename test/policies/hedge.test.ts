import { setMaxListeners } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import {
  type Context,
  DEFAULT_MAX_HEDGED,
  hedge,
  pipeline,
  retryBudget,
  timeout,
  TimeoutError,
} from '../../src/index.js';
import type { RetryBudget } from '../../src/core/retry-budget.js';
import { VirtualClock } from '../../src/testing/index.js';
import { track } from '../support/async.js';

interface Script {
  ms: number;
  value?: unknown;
  error?: unknown;
}

/**
 * A dependency whose attempt n follows `scripts[n - 1]`: it settles after
 * `ms` on the clock unless its signal aborts first. Records what it saw.
 */
function dependency(clock: VirtualClock, scripts: Script[]) {
  const seen: { attempt: number; signal: AbortSignal; startedAt: number; idempotent: boolean }[] = [];
  const fn = (ctx: Context): Promise<unknown> => {
    const script = scripts[ctx.attempt - 1] ?? { ms: 1, value: 'x' };
    const signal = ctx.signal;
    seen.push({ attempt: ctx.attempt, signal, startedAt: clock.now(), idempotent: ctx.idempotent });
    return new Promise((resolve, reject) => {
      const timer = clock.setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        if ('error' in script) reject(script.error);
        else resolve(script.value);
      }, script.ms);
      const onAbort = (): void => {
        clock.clearTimeout(timer);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort);
    });
  };
  return { fn, seen };
}

/** A budget that hands out `tokens` and counts what it was asked. */
function countingBudget(tokens: number): RetryBudget & { deposits: number; takes: number } {
  return {
    deposits: 0,
    takes: 0,
    get available() {
      return tokens;
    },
    deposit() {
      this.deposits++;
    },
    tryTake() {
      this.takes++;
      if (tokens <= 0) return false;
      tokens--;
      return true;
    },
  };
}

describe('hedge: defaults and validation', () => {
  it('defaults to one extra attempt and the name "hedge"', () => {
    expect(DEFAULT_MAX_HEDGED).toBe(1);
    const h = hedge({ delay: 10 });
    expect(h.maxHedged).toBe(1);
    expect(h.delay).toBe(10);
    expect(h.budget).toBeUndefined();
    expect(h.name).toBe('hedge');
  });

  it.each([
    [
      undefined,
      TypeError,
      'hedge: delay must be a non-negative finite number of milliseconds at most 2147483647, got undefined',
    ],
    ['5', TypeError, 'hedge: delay must be a non-negative finite number of milliseconds at most 2147483647, got "5"'],
    [-1, RangeError, 'hedge: delay must be a non-negative finite number of milliseconds at most 2147483647, got -1'],
    [NaN, RangeError, 'hedge: delay must be a non-negative finite number of milliseconds at most 2147483647, got NaN'],
    [
      Infinity,
      RangeError,
      'hedge: delay must be a non-negative finite number of milliseconds at most 2147483647, got Infinity',
    ],
    [
      2_147_483_648,
      RangeError,
      'hedge: delay must be a non-negative finite number of milliseconds at most 2147483647, got 2147483648',
    ],
  ])('rejects delay = %s with a %s naming the option and value', (delay, type, message) => {
    expect(() => hedge({ delay: delay as number })).toThrow(type);
    expect(() => hedge({ delay: delay as number })).toThrow(message);
  });

  it('accepts delay 0 (all attempts at once)', () => {
    expect(hedge({ delay: 0 }).delay).toBe(0);
  });

  it.each([
    [0, RangeError, 'hedge: maxHedged must be an integer >= 1, got 0'],
    [1.5, RangeError, 'hedge: maxHedged must be an integer >= 1, got 1.5'],
    [Infinity, RangeError, 'hedge: maxHedged must be an integer >= 1, got Infinity'],
    ['2', TypeError, 'hedge: maxHedged must be an integer >= 1, got "2"'],
  ])('rejects maxHedged = %s with a %s naming the option and value', (maxHedged, type, message) => {
    expect(() => hedge({ delay: 1, maxHedged: maxHedged as number })).toThrow(type);
    expect(() => hedge({ delay: 1, maxHedged: maxHedged as number })).toThrow(message);
  });

  it('rejects a bad budget, onDiscard, clock and options object naming the option and value', () => {
    expect(() => hedge({ delay: 1, budget: {} as never })).toThrow(TypeError);
    expect(() => hedge({ delay: 1, budget: {} as never })).toThrow(
      'hedge: budget must be a RetryBudget (an object with tryTake and deposit), got an object',
    );
    expect(() => hedge({ delay: 1, budget: 3 as never })).toThrow('got 3');
    expect(() => hedge({ delay: 1, onDiscard: 'x' as never })).toThrow('hedge: onDiscard must be a function, got "x"');
    expect(() => hedge({ delay: 1, clock: {} as never })).toThrow(
      'hedge: clock must be an object with now, setTimeout and clearTimeout',
    );
    expect(() => hedge(null as never)).toThrow('hedge: options must be an object, got null');
    expect(() => (hedge as (o?: unknown) => unknown)()).toThrow('hedge: delay must be');
  });
});

describe('hedge: non-idempotent calls', () => {
  it('runs a non-idempotent call once, however slow, and holds no timer', async () => {
    const clock = new VirtualClock();
    const { fn, seen } = dependency(clock, [{ ms: 1_000, value: 'slow' }]);
    const h = hedge({ delay: 10, clock });
    const hedges = vi.fn();
    h.on('hedge', hedges);
    const result = track(h.execute(fn));
    expect(clock.pending).toBe(1); // the dependency's own timer only
    await clock.advance(1_000);
    expect(result).toMatchObject({ ok: true, value: 'slow' });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.idempotent).toBe(false);
    expect(hedges).not.toHaveBeenCalled();
  });

  it('runs a call marked idempotent: false once, and rejects with its error', async () => {
    const clock = new VirtualClock();
    const boom = new Error('boom');
    const { fn, seen } = dependency(clock, [{ ms: 5, error: boom }]);
    const result = track(hedge({ delay: 1, clock }).execute(fn, { idempotent: false }));
    await clock.runAll();
    expect(result.error).toBe(boom);
    expect(seen).toHaveLength(1);
  });

  it('emits attempt for the single attempt of a non-idempotent call', async () => {
    const clock = new VirtualClock();
    const { fn } = dependency(clock, [{ ms: 30, value: 'v' }]);
    const h = hedge({ delay: 10, clock });
    const attempts: unknown[] = [];
    h.on('attempt', (e) => attempts.push({ attempt: e.attempt, durationMs: e.durationMs, outcome: e.outcome }));
    const result = track(h.execute(fn));
    await clock.runAll();
    expect(result.value).toBe('v');
    expect(attempts).toEqual([{ attempt: 1, durationMs: 30, outcome: { ok: true, value: 'v' } }]);
  });
});

describe('hedge: idempotent calls', () => {
  it('does not hedge a call that settles before the delay, and clears the timer', async () => {
    const clock = new VirtualClock();
    const { fn, seen } = dependency(clock, [{ ms: 20, value: 'fast' }]);
    const result = track(hedge({ delay: 50, clock }).execute(fn, { idempotent: true }));
    await clock.advance(20);
    expect(result.value).toBe('fast');
    expect(seen).toHaveLength(1);
    expect(seen[0]?.signal.aborted).toBe(false);
    expect(clock.pending).toBe(0);
  });

  it('starts a hedge after the delay; the first success wins and the loser aborts with an AbortError', async () => {
    const clock = new VirtualClock();
    const { fn, seen } = dependency(clock, [
      { ms: 1_000, value: 'slow' },
      { ms: 20, value: 'hedged' },
    ]);
    const h = hedge({ delay: 50, clock });
    const hedges: unknown[] = [];
    h.on('hedge', (e) => hedges.push({ attempt: e.attempt, at: e.at }));
    const result = track(h.execute(fn, { idempotent: true }));
    await clock.advance(49);
    expect(seen).toHaveLength(1);
    await clock.advance(1);
    expect(seen.map((s) => [s.attempt, s.startedAt, s.idempotent])).toEqual([
      [1, 0, true],
      [2, 50, true],
    ]);
    expect(hedges).toEqual([{ attempt: 2, at: 50 }]);
    await clock.advance(20);
    expect(result).toMatchObject({ ok: true, value: 'hedged' });
    const loser = seen[0]?.signal;
    expect(loser?.aborted).toBe(true);
    expect(loser?.reason).toBeInstanceOf(DOMException);
    expect((loser?.reason as DOMException).name).toBe('AbortError');
    expect((loser?.reason as DOMException).message).toBe('hedge: another attempt won');
    expect(seen[1]?.signal.aborted).toBe(false);
    expect(clock.pending).toBe(0);
  });

  it('lets the first attempt win when it succeeds after the hedge started', async () => {
    const clock = new VirtualClock();
    const { fn, seen } = dependency(clock, [
      { ms: 60, value: 'first' },
      { ms: 100, value: 'second' },
    ]);
    const result = track(hedge({ delay: 50, clock }).execute(fn, { idempotent: true }));
    await clock.advance(60);
    expect(result.value).toBe('first');
    expect(seen[1]?.signal.aborted).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('starts up to maxHedged extra attempts, each delay after the previous one', async () => {
    const clock = new VirtualClock();
    const { fn, seen } = dependency(clock, [
      { ms: 1_000, value: 1 },
      { ms: 1_000, value: 2 },
      { ms: 1_000, value: 3 },
      { ms: 1, value: 4 },
    ]);
    const result = track(hedge({ delay: 50, maxHedged: 2, clock }).execute(fn, { idempotent: true }));
    await clock.advance(500);
    expect(seen.map((s) => s.startedAt)).toEqual([0, 50, 100]);
    await clock.advance(550);
    expect(result.value).toBe(1);
    expect(seen.slice(1).every((s) => s.signal.aborted)).toBe(true);
  });

  it('starts the next attempt at once when one fails while hedges remain, and restarts the delay from it', async () => {
    const clock = new VirtualClock();
    const { fn, seen } = dependency(clock, [
      { ms: 10, error: new Error('first') },
      { ms: 1_000, value: 'second' },
      { ms: 5, value: 'third' },
    ]);
    const result = track(hedge({ delay: 50, maxHedged: 2, clock }).execute(fn, { idempotent: true }));
    await clock.advance(10);
    expect(seen.map((s) => s.startedAt)).toEqual([0, 10]);
    await clock.advance(49);
    expect(seen).toHaveLength(2);
    await clock.advance(1);
    expect(seen.map((s) => s.startedAt)).toEqual([0, 10, 60]);
    await clock.advance(5);
    expect(result.value).toBe('third');
  });

  it('rejects with the last error when every attempt fails', async () => {
    const clock = new VirtualClock();
    const last = new Error('last');
    const { fn, seen } = dependency(clock, [
      { ms: 100, error: new Error('first') },
      { ms: 80, error: last },
    ]);
    const result = track(hedge({ delay: 50, clock }).execute(fn, { idempotent: true }));
    await clock.advance(100); // second fails at 130, first at 100
    expect(result.settled).toBe(false);
    await clock.advance(30);
    expect(result.error).toBe(last);
    expect(seen).toHaveLength(2);
    expect(clock.pending).toBe(0);
  });

  it('rejects with the error of the attempt that failed last in time, not the last started', async () => {
    const clock = new VirtualClock();
    const firstError = new Error('first');
    const { fn } = dependency(clock, [
      { ms: 200, error: firstError },
      { ms: 10, error: new Error('second') },
    ]);
    const result = track(hedge({ delay: 50, clock }).execute(fn, { idempotent: true }));
    await clock.runAll();
    expect(result.error).toBe(firstError);
  });

  it('starts every attempt at once with delay 0', async () => {
    const clock = new VirtualClock();
    const { fn, seen } = dependency(clock, [
      { ms: 30, value: 'a' },
      { ms: 10, value: 'b' },
      { ms: 20, value: 'c' },
    ]);
    const result = track(hedge({ delay: 0, maxHedged: 2, clock }).execute(fn, { idempotent: true }));
    await clock.advance(0);
    expect(seen.map((s) => s.startedAt)).toEqual([0, 0, 0]);
    await clock.advance(10);
    expect(result.value).toBe('b');
    expect([seen[0]?.signal.aborted, seen[1]?.signal.aborted, seen[2]?.signal.aborted]).toEqual([true, false, true]);
  });

  it('hands late values of losers that ignore their signal to onDiscard', async () => {
    const clock = new VirtualClock();
    const onDiscard = vi.fn();
    const fn = (ctx: Context): Promise<string> =>
      new Promise((resolve) => clock.setTimeout(() => resolve(`v${ctx.attempt}`), ctx.attempt === 1 ? 100 : 10));
    const result = track(hedge({ delay: 50, clock, onDiscard }).execute(fn, { idempotent: true }));
    await clock.advance(60);
    expect(result.value).toBe('v2');
    expect(onDiscard).not.toHaveBeenCalled();
    await clock.advance(40);
    expect(onDiscard).toHaveBeenCalledTimes(1);
    expect(onDiscard).toHaveBeenCalledWith('v1');
  });

  it('reports an onDiscard that throws as a warning, never as an unhandled rejection', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const clock = new VirtualClock();
      const fn = (ctx: Context): Promise<string> =>
        new Promise((resolve) => clock.setTimeout(() => resolve(`v${ctx.attempt}`), ctx.attempt === 1 ? 100 : 10));
      const h = hedge({
        delay: 50,
        clock,
        onDiscard: () => {
          throw new Error('discard failed');
        },
      });
      const result = track(h.execute(fn, { idempotent: true }));
      await clock.runAll();
      await new Promise((r) => setTimeout(r, 5));
      expect(result.value).toBe('v2');
      expect(warn).toHaveBeenCalledTimes(1);
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
      warn.mockRestore();
    }
  });

  it('emits attempt for every attempt, losers included, with duration and outcome', async () => {
    const clock = new VirtualClock();
    const h = hedge({ delay: 50, clock });
    const fn = (ctx: Context): Promise<string> =>
      new Promise((resolve) => clock.setTimeout(() => resolve(`v${ctx.attempt}`), ctx.attempt === 1 ? 100 : 10));
    const attempts: unknown[] = [];
    h.on('attempt', (e) =>
      attempts.push({ attempt: e.attempt, durationMs: e.durationMs, outcome: e.outcome, key: e.key }),
    );
    await Promise.all([h.execute(fn, { idempotent: true, key: 'k' }), clock.runAll()]);
    expect(attempts).toEqual([
      { attempt: 2, durationMs: 10, outcome: { ok: true, value: 'v2' }, key: 'k' },
      { attempt: 1, durationMs: 100, outcome: { ok: true, value: 'v1' }, key: 'k' },
    ]);
  });

  it('passes the call key, correlation id, idempotency key and deadline to every attempt', async () => {
    const clock = new VirtualClock();
    const seen: Context[] = [];
    const fn = (ctx: Context): Promise<number> => {
      seen.push(ctx);
      return new Promise((resolve) => clock.setTimeout(() => resolve(ctx.attempt), 100));
    };
    const policy = pipeline(timeout(1_000, { clock }), hedge({ delay: 10, clock }));
    const result = track(policy.execute(fn, { idempotent: true, key: 'k', correlationId: 'c' }));
    await clock.runAll();
    expect(result.value).toBe(1);
    expect(seen.map((c) => [c.attempt, c.key, c.correlationId, c.deadline])).toEqual([
      [1, 'k', 'c', 1_000],
      [2, 'k', 'c', 1_000],
    ]);
    expect(seen[0]?.idempotencyKey).toBe(seen[1]?.idempotencyKey);
  });
});

describe('hedge: abort', () => {
  it('rejects at once with the caller reason, aborts every attempt and clears the timer', async () => {
    const clock = new VirtualClock();
    const controller = new AbortController();
    const { fn, seen } = dependency(clock, [
      { ms: 1_000, value: 1 },
      { ms: 1_000, value: 2 },
      { ms: 1_000, value: 3 },
    ]);
    const result = track(
      hedge({ delay: 50, maxHedged: 2, clock }).execute(fn, { idempotent: true, signal: controller.signal }),
    );
    await clock.advance(60);
    expect(seen).toHaveLength(2);
    const reason = new Error('caller left');
    controller.abort(reason);
    await Promise.resolve();
    expect(result.error).toBe(reason);
    expect(seen.every((s) => s.signal.aborted && s.signal.reason === reason)).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('rejects at once when the signal is already aborted, without running fn', async () => {
    const controller = new AbortController();
    controller.abort('gone');
    const fn = vi.fn();
    await expect(hedge({ delay: 1 }).execute(fn, { signal: controller.signal, idempotent: true })).rejects.toBe('gone');
    expect(fn).not.toHaveBeenCalled();
  });

  it('rejects with the TimeoutError of an enclosing timeout and aborts every attempt', async () => {
    const clock = new VirtualClock();
    const { fn, seen } = dependency(clock, [
      { ms: 1_000, value: 1 },
      { ms: 1_000, value: 2 },
    ]);
    const result = track(
      pipeline(timeout(100, { clock }), hedge({ delay: 50, clock })).execute(fn, { idempotent: true }),
    );
    await clock.advance(100);
    expect(result.error).toBeInstanceOf(TimeoutError);
    expect(seen.every((s) => s.signal.reason instanceof TimeoutError)).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('removes its abort listener from the caller signal on every exit (cockatiel #81)', async () => {
    const clock = new VirtualClock();
    const controller = new AbortController();
    const signal = controller.signal;
    setMaxListeners(1_000, signal); // 300 calls are in flight at once on purpose
    let listeners = 0;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((...args: Parameters<typeof add>) => {
      listeners++;
      add(...args);
    }) as typeof add;
    signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
      listeners--;
      remove(...args);
    }) as typeof remove;
    const h = hedge({ delay: 5, clock });
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 300; i++) {
      const kind = i % 3;
      calls.push(
        h
          .execute(
            (ctx) =>
              new Promise((resolve, reject) =>
                clock.setTimeout(
                  () => (kind === 0 ? reject(new Error('x')) : resolve(ctx.attempt)),
                  kind === 1 ? 1 : 10,
                ),
              ),
            { idempotent: true, signal },
          )
          .catch(() => undefined),
      );
    }
    await clock.runAll();
    await Promise.all(calls);
    expect(listeners).toBe(0);
    expect(clock.pending).toBe(0);
  });
});

describe('hedge: budget', () => {
  it('deposits once per execute and takes a token per extra attempt', async () => {
    const clock = new VirtualClock();
    const budget = countingBudget(10);
    const h = hedge({ delay: 50, maxHedged: 2, budget, clock });
    const { fn, seen } = dependency(clock, [
      { ms: 1_000, value: 1 },
      { ms: 1_000, value: 2 },
      { ms: 1_000, value: 3 },
    ]);
    const result = track(h.execute(fn, { idempotent: true }));
    await clock.runAll();
    expect(result.value).toBe(1);
    expect(seen).toHaveLength(3);
    expect(budget.deposits).toBe(1);
    expect(budget.takes).toBe(2);
    await h.execute(() => 'plain');
    expect(budget.deposits).toBe(2);
    expect(budget.takes).toBe(2);
  });

  it('starts no hedge when the budget has no token, and stops asking', async () => {
    const clock = new VirtualClock();
    const budget = countingBudget(0);
    const h = hedge({ delay: 50, maxHedged: 3, budget, clock });
    const hedges = vi.fn();
    h.on('hedge', hedges);
    const { fn, seen } = dependency(clock, [{ ms: 1_000, value: 'only' }]);
    const result = track(h.execute(fn, { idempotent: true }));
    await clock.advance(60);
    expect(clock.pending).toBe(1); // the dependency's timer; the hedge timer is gone
    await clock.runAll();
    expect(result.value).toBe('only');
    expect(seen).toHaveLength(1);
    expect(budget.takes).toBe(1);
    expect(hedges).not.toHaveBeenCalled();
  });

  it('rejects with the error when a failed attempt finds no token for the next one', async () => {
    const clock = new VirtualClock();
    const boom = new Error('boom');
    const h = hedge({ delay: 50, budget: countingBudget(0), clock });
    const { fn } = dependency(clock, [{ ms: 10, error: boom }]);
    const result = track(h.execute(fn, { idempotent: true }));
    await clock.advance(10);
    expect(result.error).toBe(boom);
    expect(clock.pending).toBe(0);
  });

  it('works with a shared retryBudget: hedges stay within ratio × calls when minPerSecond is 0', async () => {
    const clock = new VirtualClock();
    const budget = retryBudget({ ratio: 0.1, minPerSecond: 0, clock });
    const h = hedge({ delay: 10, budget, clock });
    let attempts = 0;
    const slow = (): Promise<string> => {
      attempts++;
      return new Promise((resolve) => clock.setTimeout(() => resolve('ok'), 100));
    };
    const calls = Array.from({ length: 100 }, () => h.execute(slow, { idempotent: true }));
    await clock.runAll();
    await Promise.all(calls);
    expect(attempts - 100).toBeGreaterThan(0);
    expect(attempts - 100).toBeLessThanOrEqual(10);
  });
});

const boom = new Error('boom');

/** A call that settles after `ms` on the virtual clock. */
function after<T>(clock: VirtualClock, ms: number, outcome: { value: T } | { error: unknown }): () => Promise<T> {
  return () =>
    new Promise<T>((resolve, reject) => {
      clock.setTimeout(() => ('value' in outcome ? resolve(outcome.value) : reject(outcome.error)), ms);
    });
}

describe('hedge: attempt events', () => {
  it('a non-idempotent call (never hedged) reports its one attempt with its duration, on success and on failure', async () => {
    const clock = new VirtualClock(1_000);
    const policy = hedge({ delay: 10, clock });
    const seen: unknown[] = [];
    policy.on('attempt', (e) => seen.push({ attempt: e.attempt, durationMs: e.durationMs, outcome: e.outcome }));

    const ok = policy.execute(after(clock, 30, { value: 'v' }));
    await clock.advance(30);
    await expect(ok).resolves.toBe('v');

    const failed = policy.execute(after(clock, 40, { error: boom })).catch((e: unknown) => e);
    await clock.advance(40);
    expect(await failed).toBe(boom);

    expect(seen).toEqual([
      { attempt: 1, durationMs: 30, outcome: { ok: true, value: 'v' } },
      { attempt: 1, durationMs: 40, outcome: { ok: false, error: boom } },
    ]);
    expect(clock.pending).toBe(0);
  });

  it('a hedged attempt that fails is reported with its error', async () => {
    const clock = new VirtualClock();
    const policy = hedge({ delay: 10, maxHedged: 1, clock });
    const seen: unknown[] = [];
    policy.on('attempt', (e) => seen.push({ attempt: e.attempt, durationMs: e.durationMs, outcome: e.outcome }));
    let n = 0;
    const result = policy.execute(
      () => (++n === 1 ? after(clock, 5, { error: boom })() : after(clock, 5, { value: 'second' })()),
      {
        idempotent: true,
      },
    );
    await clock.advance(10);
    await expect(result).resolves.toBe('second');
    expect(seen).toEqual([
      { attempt: 1, durationMs: 5, outcome: { ok: false, error: boom } },
      { attempt: 2, durationMs: 5, outcome: { ok: true, value: 'second' } },
    ]);
  });
});

describe('hedge: timers', () => {
  it('holds no hedge timer once every attempt has started, while they still run', async () => {
    const clock = new VirtualClock();
    const policy = hedge({ delay: 10, maxHedged: 1, clock });
    const resolvers: ((v: string) => void)[] = [];
    const result = policy.execute(() => new Promise<string>((resolve) => resolvers.push(resolve)), {
      idempotent: true,
    });
    await clock.advance(10);
    expect(resolvers).toHaveLength(2);
    expect(clock.pending).toBe(0);
    resolvers[1]?.('second');
    await expect(result).resolves.toBe('second');
  });
});
