import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  BulkheadRejectedError,
  type Clock,
  type Context,
  constant,
  EXPONENTIAL_DEFAULTS,
  DEFAULT_IDEMPOTENT,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_NOT_EXECUTED_CODES,
  RETRY_BUDGET_DEFAULTS,
  exponential,
  pipeline,
  RateLimitedError,
  retry,
  type RetryBudget,
  retryBudget,
  RetryPolicy,
  timeout,
  TimeoutError,
} from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';
import { deferred } from '../support/async.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** An error that proves the attempt never started. */
function notStarted(message = 'not started'): Error {
  return Object.assign(new Error(message), { executed: false });
}

/** Settles a promise into a plain record so that nothing is left unhandled while time moves. */
function settle<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

/** A function that plays `script` in order (an Error rejects, anything else resolves) and records each context. */
function scripted(script: unknown[]): { fn: (ctx: Context) => Promise<unknown>; calls: Context[] } {
  const calls: Context[] = [];
  const fn = (ctx: Context): Promise<unknown> => {
    const step = script[Math.min(calls.length, script.length - 1)];
    calls.push(ctx);
    return step instanceof Error ? Promise.reject(step) : Promise.resolve(step);
  };
  return { fn, calls };
}

/** A clock that runs every timer on the next microtask: fast for long sequential runs. */
function microtaskClock(): Clock & { pending: number } {
  const clock = {
    pending: 0,
    now: () => 0,
    setTimeout(fn: () => void): unknown {
      const handle = { cancelled: false };
      clock.pending++;
      queueMicrotask(() => {
        if (handle.cancelled) return;
        handle.cancelled = true;
        clock.pending--;
        fn();
      });
      return handle;
    },
    clearTimeout(handle: unknown): void {
      const h = handle as { cancelled: boolean };
      if (h.cancelled) return;
      h.cancelled = true;
      clock.pending--;
    },
  };
  return clock;
}

describe('retry: defaults', () => {
  it('pins every default constant', () => {
    expect(DEFAULT_MAX_ATTEMPTS).toBe(3);
    expect(DEFAULT_IDEMPOTENT).toBe(false);
    expect(DEFAULT_NOT_EXECUTED_CODES).toEqual(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);
    expect(Object.isFrozen(DEFAULT_NOT_EXECUTED_CODES)).toBe(true);
    expect(EXPONENTIAL_DEFAULTS).toEqual({ initial: 100, factor: 2, max: 10_000, jitter: 'full' });
    expect(Object.isFrozen(EXPONENTIAL_DEFAULTS)).toBe(true);
    expect(RETRY_BUDGET_DEFAULTS).toEqual({ ratio: 0.2, minPerSecond: 10, windowMs: 10_000 });
    expect(Object.isFrozen(RETRY_BUDGET_DEFAULTS)).toBe(true);
  });

  it('retry() has 3 attempts, is not idempotent, has no budget and is named "retry"', () => {
    const policy = retry();
    expect(policy).toBeInstanceOf(RetryPolicy);
    expect(policy.maxAttempts).toBe(3);
    expect(policy.idempotent).toBe(false);
    expect(policy.budget).toBeUndefined();
    expect(policy.name).toBe('retry');
    expect(retry({ name: 'users' }).name).toBe('users');
  });

  it('the default backoff is exponential from 100 ms doubling, with full jitter', async () => {
    const clock = new VirtualClock();
    const policy = retry({ clock, random: () => 0.5, idempotent: true });
    const delays: number[] = [];
    policy.on('retry', (e) => delays.push(e.delay));
    const { fn } = scripted([new Error('a')]);
    const result = settle(policy.execute(fn));
    await clock.runAll();
    await result;
    expect(delays).toEqual([50, 100]);
  });

  it('counts attempts, not retries, and waits before retrying (unlike cockatiel: unlimited, zero delay)', async () => {
    const clock = new VirtualClock();
    const policy = retry({ clock, idempotent: true });
    const { fn, calls } = scripted([new Error('down')]);
    const result = settle(policy.execute(fn));
    await clock.advance(0);
    expect(calls).toHaveLength(1);
    expect(clock.pending).toBe(1); // the first sleep, not an instant retry
    await clock.runAll();
    expect((await result).ok).toBe(false);
    expect(calls).toHaveLength(3);
  });
});

describe('retry: success and attempts', () => {
  it('resolves with the value of a first success, runs fn once and sets no timer', async () => {
    const clock = new VirtualClock();
    const setTimeoutSpy = vi.spyOn(clock, 'setTimeout');
    const policy = retry({ clock });
    const fn = vi.fn((ctx: Context) => ({ attempt: ctx.attempt, idempotent: ctx.idempotent }));
    await expect(policy.execute(fn)).resolves.toEqual({ attempt: 1, idempotent: false });
    expect(fn).toHaveBeenCalledTimes(1);
    expect(setTimeoutSpy).not.toHaveBeenCalled();
    expect(clock.pending).toBe(0);
  });

  it('reads no clock on success or retry when nobody listens to events', async () => {
    const clock = new VirtualClock();
    const now = vi.spyOn(clock, 'now');
    const policy = retry({ clock, idempotent: true, backoff: constant(10) });
    await policy.execute(() => 1);
    expect(now).not.toHaveBeenCalled();
    const { fn } = scripted([new Error('a'), 'ok']);
    const result = policy.execute(fn);
    await clock.runAll();
    await expect(result).resolves.toBe('ok');
    expect(now).not.toHaveBeenCalled();
  });

  it('retries an idempotent call until it succeeds, numbering the attempts', async () => {
    const clock = new VirtualClock();
    const policy = retry({ clock, idempotent: true, backoff: constant(10) });
    const { fn, calls } = scripted([new Error('a'), new Error('b'), 'ok']);
    const result = policy.execute(fn);
    await clock.runAll();
    await expect(result).resolves.toBe('ok');
    expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(calls.every((c) => c.idempotent)).toBe(true);
  });

  it('rethrows the last error unchanged after maxAttempts and emits giveUp', async () => {
    const clock = new VirtualClock();
    const policy = retry({ clock, idempotent: true, maxAttempts: 4, backoff: constant(1) });
    const errors = [new Error('1'), new Error('2'), new Error('3'), new Error('4')];
    const { fn, calls } = scripted(errors);
    const giveUps: unknown[] = [];
    policy.on('giveUp', (e) => giveUps.push(e));
    const result = settle(policy.execute(fn, { correlationId: 'c1', key: 'k' }));
    await clock.runAll();
    expect(await result).toEqual({ ok: false, error: errors[3] });
    expect(((await result) as { error: unknown }).error).toBe(errors[3]);
    expect(calls).toHaveLength(4);
    expect(giveUps).toEqual([
      { attempts: 4, outcome: { ok: false, error: errors[3] }, policy: 'retry', key: 'k', correlationId: 'c1', at: 3 },
    ]);
    expect(Object.isFrozen(giveUps[0])).toBe(true);
  });

  it('maxAttempts: 1 never retries, even an idempotent call', async () => {
    const clock = new VirtualClock();
    const policy = retry({ clock, idempotent: true, maxAttempts: 1 });
    const retries = vi.fn();
    policy.on('retry', retries);
    const error = notStarted();
    const { fn, calls } = scripted([error, 'ok']);
    await expect(policy.execute(fn)).rejects.toBe(error);
    expect(calls).toHaveLength(1);
    expect(retries).not.toHaveBeenCalled();
    expect(clock.pending).toBe(0);
  });

  it('gives every attempt the same idempotencyKey, and another execute another key', async () => {
    const clock = new VirtualClock();
    const policy = retry({ clock, idempotent: true, backoff: constant(5) });
    const { fn, calls } = scripted([new Error('a'), new Error('b'), 'ok']);
    const result = policy.execute(fn);
    await clock.runAll();
    await result;
    const keys = calls.map((c) => c.idempotencyKey);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    let other = '';
    await policy.execute((ctx) => (other = ctx.idempotencyKey));
    expect(other).not.toBe(keys[0]);
  });

  it('passes key and correlationId of the call to every attempt', async () => {
    const clock = new VirtualClock();
    const policy = retry({ clock, idempotent: true, backoff: constant(0) });
    const { fn, calls } = scripted([new Error('a'), 'ok']);
    const result = policy.execute(fn, { key: 'users', correlationId: 'req-1' });
    await clock.runAll();
    await result;
    expect(calls.map((c) => [c.key, c.correlationId])).toEqual([
      ['users', 'req-1'],
      ['users', 'req-1'],
    ]);
  });

  it('runs an idempotent call again through a per-attempt timeout inside it', async () => {
    const clock = new VirtualClock();
    const policy = pipeline(retry({ clock, idempotent: true, backoff: constant(10) }), timeout(100, { clock }));
    let n = 0;
    const deadlines: Array<number | undefined> = [];
    const result = settle(
      policy.execute((ctx) => {
        deadlines.push(ctx.deadline);
        n++;
        return n < 3 ? new Promise(() => {}) : 'ok';
      }),
    );
    await clock.runAll();
    expect(await result).toEqual({ ok: true, value: 'ok' });
    expect(deadlines).toEqual([100, 210, 320]);
    expect(clock.pending).toBe(0);
  });
});

describe('retry: the idempotency guard', () => {
  it('runs a non-idempotent call once when its error does not prove it never started', async () => {
    const clock = new VirtualClock();
    const policy = retry({ clock });
    const blocked: unknown[] = [];
    policy.on('retryBlocked', (e) => blocked.push({ reason: e.reason, attempt: e.attempt }));
    const error = Object.assign(new Error('500'), { executed: true });
    const { fn, calls } = scripted([error, 'ok']);
    await expect(policy.execute(fn)).rejects.toBe(error);
    expect(calls).toHaveLength(1);
    expect(blocked).toEqual([{ reason: 'not-idempotent', attempt: 1 }]);
    expect(clock.pending).toBe(0);
  });

  it('the call option overrides the policy default both ways', async () => {
    const clock = new VirtualClock();
    const lenient = retry({ clock, idempotent: true, backoff: constant(0) });
    const a = scripted([new Error('x'), 'ok']);
    await expect(lenient.execute(a.fn, { idempotent: false })).rejects.toThrow('x');
    expect(a.calls.map((c) => c.idempotent)).toEqual([false]);
    const strict = retry({ clock, backoff: constant(0) });
    const b = scripted([new Error('x'), 'ok']);
    const result = strict.execute(b.fn, { idempotent: true });
    await clock.runAll();
    await expect(result).resolves.toBe('ok');
    expect(b.calls.map((c) => c.idempotent)).toEqual([true, true]);
  });

  it('retries a non-idempotent call whose error has executed === false (breakwater rejections)', async () => {
    const clock = new VirtualClock();
    const policy = retry({ clock, backoff: constant(0) });
    const { fn, calls } = scripted([new BulkheadRejectedError('full'), notStarted(), 'ok']);
    const result = policy.execute(fn);
    await clock.runAll();
    await expect(result).resolves.toBe('ok');
    expect(calls).toHaveLength(3);
    expect(calls.every((c) => !c.idempotent)).toBe(true);
  });

  it.each(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT'])(
    'retries a non-idempotent call that failed with code %s, on the error or on its cause (fetch)',
    async (code) => {
      const clock = new VirtualClock();
      const policy = retry({ clock, backoff: constant(0) });
      const direct = Object.assign(new Error('connect'), { code });
      const wrapped = new TypeError('fetch failed', { cause: Object.assign(new Error('connect'), { code }) });
      const { fn, calls } = scripted([direct, wrapped, 'ok']);
      const result = policy.execute(fn);
      await clock.runAll();
      await expect(result).resolves.toBe('ok');
      expect(calls).toHaveLength(3);
    },
  );

  it('does not retry a non-idempotent call on other codes or on errors that are not objects', async () => {
    const policy = retry({ clock: new VirtualClock() });
    const reset = Object.assign(new Error('reset'), { code: 'ECONNRESET' });
    await expect(policy.execute(scripted([reset, 'ok']).fn)).rejects.toBe(reset);
    await expect(policy.execute(scripted(['x']).fn)).resolves.toBe('x');
    const plain = 'a string reason';
    await expect(policy.execute(() => Promise.reject(plain))).rejects.toBe(plain);
  });

  it('a custom notExecuted replaces the default codes, but executed === false still counts', async () => {
    const clock = new VirtualClock();
    const notExecuted = vi.fn((e: unknown) => (e as Error).message === 'queued');
    const policy = retry({ clock, backoff: constant(0), notExecuted });
    const refused = Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });
    await expect(policy.execute(scripted([refused, 'ok']).fn)).rejects.toBe(refused);
    const { fn, calls } = scripted([new Error('queued'), notStarted(), 'ok']);
    const result = policy.execute(fn);
    await clock.runAll();
    await expect(result).resolves.toBe('ok');
    expect(calls).toHaveLength(3);
  });
});

describe('retry: values', () => {
  it('retries a value that retryOn rejects, discards it, and resolves with a later good value', async () => {
    const clock = new VirtualClock();
    const onDiscard = vi.fn();
    const retryOn = vi.fn((o: { ok: boolean; value?: unknown }) => o.ok && o.value === 'busy');
    const policy = retry({ clock, idempotent: true, backoff: constant(1), retryOn, onDiscard });
    const { fn, calls } = scripted(['busy', 'busy', 'done']);
    const result = policy.execute(fn);
    await clock.runAll();
    await expect(result).resolves.toBe('done');
    expect(calls).toHaveLength(3);
    expect(onDiscard.mock.calls).toEqual([['busy'], ['busy']]);
    expect(retryOn).toHaveBeenCalledWith({ ok: true, value: 'busy' });
  });

  it('resolves with the last value when attempts run out, without discarding it', async () => {
    const clock = new VirtualClock();
    const onDiscard = vi.fn();
    const policy = retry({ clock, idempotent: true, backoff: constant(1), retryOn: (o) => o.ok, onDiscard });
    const values = [{ n: 1 }, { n: 2 }, { n: 3 }];
    const { fn } = scripted(values);
    const giveUp = vi.fn();
    policy.on('giveUp', giveUp);
    const result = policy.execute(fn);
    await clock.runAll();
    expect(await result).toBe(values[2]);
    expect(onDiscard.mock.calls.map((c) => c[0])).toEqual([values[0], values[1]]);
    expect(giveUp.mock.calls[0]?.[0]).toMatchObject({ attempts: 3, outcome: { ok: true, value: values[2] } });
  });

  it('does not retry a value of a non-idempotent call: it proves the attempt ran', async () => {
    const clock = new VirtualClock();
    const onDiscard = vi.fn();
    const policy = retry({ clock, retryOn: (o) => o.ok, onDiscard });
    const blocked = vi.fn();
    policy.on('retryBlocked', blocked);
    const { fn, calls } = scripted(['busy', 'done']);
    await expect(policy.execute(fn)).resolves.toBe('busy');
    expect(calls).toHaveLength(1);
    expect(onDiscard).not.toHaveBeenCalled();
    expect(blocked.mock.calls[0]?.[0]).toMatchObject({ reason: 'not-idempotent', attempt: 1 });
  });

  it('an error that retryOn refuses is rethrown at once, with no event', async () => {
    const clock = new VirtualClock();
    const policy = retry({ clock, idempotent: true, retryOn: (o) => !o.ok && (o.error as Error).message !== 'fatal' });
    const events = vi.fn();
    policy.on('retry', events).on('giveUp', events).on('retryBlocked', events);
    const fatal = new Error('fatal');
    const { fn, calls } = scripted([fatal, 'ok']);
    await expect(policy.execute(fn)).rejects.toBe(fatal);
    expect(calls).toHaveLength(1);
    expect(events).not.toHaveBeenCalled();
  });

  it('a throwing retryOn is reported and treated as false: the outcome stands', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      const bug = new Error('bug in retryOn');
      const policy = retry({
        clock: new VirtualClock(),
        retryOn: () => {
          throw bug;
        },
      });
      await expect(policy.execute(() => 1)).resolves.toBe(1);
      expect((warn.mock.calls[0]?.[0] as Error).cause).toBe(bug);
    } finally {
      warn.mockRestore();
    }
  });

  it('a throwing onDiscard is reported as a warning and does not change the call', async () => {
    const clock = new VirtualClock();
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      const policy = retry({
        clock,
        idempotent: true,
        backoff: constant(0),
        retryOn: (o) => o.ok && o.value === 1,
        onDiscard: () => {
          throw new Error('leak');
        },
      });
      const result = policy.execute(scripted([1, 2]).fn);
      await clock.runAll();
      await expect(result).resolves.toBe(2);
      expect(warn).toHaveBeenCalledTimes(1);
    } finally {
      warn.mockRestore();
    }
  });
});

describe('retry: delays', () => {
  async function delaysOf(backoff: Parameters<typeof retry>[0], script: unknown[]): Promise<number[]> {
    const clock = new VirtualClock();
    const policy = retry({ clock, idempotent: true, ...backoff });
    const delays: number[] = [];
    policy.on('retry', (e) => delays.push(e.delay));
    const result = settle(policy.execute(scripted(script).fn));
    await clock.runAll();
    await result;
    return delays;
  }

  it('an error retryAfter larger than the backoff wins, and the next attempt waits for it', async () => {
    const clock = new VirtualClock();
    const policy = retry({ clock, backoff: constant(100), maxAttempts: 2 });
    const { fn, calls } = scripted([new RateLimitedError(5_000), 'ok']);
    const delays: number[] = [];
    policy.on('retry', (e) => delays.push(e.delay));
    const result = policy.execute(fn);
    await clock.advance(4_999);
    expect(calls).toHaveLength(1);
    await clock.advance(1);
    await expect(result).resolves.toBe('ok');
    expect(calls).toHaveLength(2);
    expect(delays).toEqual([5_000]);
  });

  it('a retryAfter smaller than the backoff does not shorten it', async () => {
    expect(await delaysOf({ backoff: constant(300), maxAttempts: 2 }, [new RateLimitedError(20), 'ok'])).toEqual([300]);
  });

  it('ignores a retryAfter that is negative, NaN, Infinity or not a number, and caps a huge one', async () => {
    const odd = (retryAfter: unknown): Error => Object.assign(new Error('x'), { retryAfter });
    expect(
      await delaysOf({ backoff: constant(7), maxAttempts: 5 }, [odd(-1), odd(NaN), odd(Infinity), odd('9000'), 'ok']),
    ).toEqual([7, 7, 7, 7]);
    expect(await delaysOf({ backoff: constant(7), maxAttempts: 2 }, [odd(1e15), 'ok'])).toEqual([2_147_483_647]);
  });

  it('treats a custom backoff that returns NaN or a negative number as 0, and caps Infinity', async () => {
    const outputs = [NaN, -5, Infinity, 3];
    let i = 0;
    const backoff = (): number => outputs[i++] as number;
    expect(await delaysOf({ backoff, maxAttempts: 5 }, [new Error('a')])).toEqual([0, 0, 2_147_483_647, 3]);
  });

  it('gives the backoff the failed attempt, its previous result and the injected random', async () => {
    const random = (): number => 0.25;
    const infos: unknown[] = [];
    const backoff = (info: { attempt: number; previous: number; random: () => number }): number => {
      infos.push({ attempt: info.attempt, previous: info.previous, same: info.random === random });
      return info.attempt * 10;
    };
    await delaysOf({ backoff, random, maxAttempts: 4 }, [new Error('a')]);
    expect(infos).toEqual([
      { attempt: 1, previous: 0, same: true },
      { attempt: 2, previous: 10, same: true },
      { attempt: 3, previous: 20, same: true },
    ]);
  });

  it('a budget or clock that throws rejects the call instead of throwing from execute or hanging', async () => {
    const broken = new Error('broken budget');
    const budget = {
      tryTake: () => true,
      deposit: () => {
        throw broken;
      },
      available: 0,
    };
    const policy = retry({ budget });
    let returned: Promise<unknown> | undefined;
    expect(() => {
      returned = policy.execute(() => 1);
    }).not.toThrow();
    await expect(returned).rejects.toBe(broken);
    const badClock = {
      now: () => 0,
      setTimeout: (): unknown => {
        throw new Error('no timers');
      },
      clearTimeout: () => {},
    };
    const controller = new AbortController();
    const withBadClock = retry({ clock: badClock, idempotent: true });
    await expect(
      withBadClock.execute(() => Promise.reject(new Error('a')), { signal: controller.signal }),
    ).rejects.toThrow('no timers');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('a throwing backoff rejects the call with what it threw, leaving no timer', async () => {
    const clock = new VirtualClock();
    const bug = new Error('bad backoff');
    const policy = retry({
      clock,
      idempotent: true,
      backoff: () => {
        throw bug;
      },
    });
    await expect(policy.execute(scripted([new Error('a')]).fn)).rejects.toBe(bug);
    expect(clock.pending).toBe(0);
  });
});

describe('retry: deadline', () => {
  it('blocks a retry whose sleep would end at or after ctx.deadline and rejects at once with the error', async () => {
    const clock = new VirtualClock();
    const inner = retry({ clock, idempotent: true, backoff: constant(1_000) });
    const blocked: unknown[] = [];
    inner.on('retryBlocked', (e) => blocked.push({ reason: e.reason, attempt: e.attempt }));
    const policy = pipeline(timeout(1_000, { clock }), inner);
    const error = new Error('down');
    const { fn, calls } = scripted([error, 'ok']);
    const result = settle(policy.execute(fn));
    await clock.advance(0);
    expect(await result).toEqual({ ok: false, error });
    expect(clock.now()).toBe(0);
    expect(calls).toHaveLength(1);
    expect(blocked).toEqual([{ reason: 'deadline', attempt: 1 }]);
    expect(clock.pending).toBe(0);
  });

  it('retries when the next attempt can start before the deadline', async () => {
    const clock = new VirtualClock();
    const policy = pipeline(timeout(1_000, { clock }), retry({ clock, idempotent: true, backoff: constant(999) }));
    const { fn, calls } = scripted([new Error('a'), 'ok']);
    const result = policy.execute(fn);
    await clock.runAll();
    await expect(result).resolves.toBe('ok');
    expect(calls).toHaveLength(2);
  });

  it('checks the deadline before the budget, so a blocked retry spends no token', async () => {
    const clock = new VirtualClock();
    const budget = { tryTake: vi.fn(() => true), deposit: vi.fn(), available: 1 };
    const policy = pipeline(timeout(50, { clock }), retry({ clock, idempotent: true, backoff: constant(100), budget }));
    await expect(policy.execute(scripted([new Error('a')]).fn)).rejects.toThrow('a');
    expect(budget.tryTake).not.toHaveBeenCalled();
  });
});

describe('retry: budget', () => {
  it('deposits once per execute and takes one token per retry', async () => {
    const clock = new VirtualClock();
    const budget: RetryBudget = { tryTake: vi.fn(() => true), deposit: vi.fn(), available: 0 };
    const policy = retry({ clock, idempotent: true, backoff: constant(1), budget });
    await policy.execute(() => 'first');
    expect(budget.deposit).toHaveBeenCalledTimes(1);
    const result = settle(policy.execute(scripted([new Error('a')]).fn));
    await clock.runAll();
    await result;
    expect(budget.deposit).toHaveBeenCalledTimes(2);
    expect(budget.tryTake).toHaveBeenCalledTimes(2);
  });

  it('blocks the retry and rethrows the error when the budget is empty', async () => {
    const clock = new VirtualClock();
    const budget = retryBudget({ ratio: 0, minPerSecond: 0, clock });
    const policy = retry({ clock, idempotent: true, budget });
    const blocked = vi.fn();
    policy.on('retryBlocked', blocked);
    const error = new Error('down');
    const { fn, calls } = scripted([error, 'ok']);
    await expect(policy.execute(fn)).rejects.toBe(error);
    expect(calls).toHaveLength(1);
    expect(blocked.mock.calls[0]?.[0]).toMatchObject({ reason: 'budget', attempt: 1 });
  });

  it('maxAttempts: Infinity with a budget ends once retries outpace the budget', async () => {
    const clock = new VirtualClock();
    const budget = retryBudget({ ratio: 0.5, minPerSecond: 2, clock });
    const policy = retry({ clock, idempotent: true, maxAttempts: Infinity, backoff: constant(100), budget });
    const blocked = vi.fn();
    policy.on('retryBlocked', blocked);
    const error = new Error('down');
    const { fn, calls } = scripted([error]);
    const result = settle(policy.execute(fn));
    await clock.runAll(10_000);
    expect(await result).toEqual({ ok: false, error });
    // 0.5 from the one deposit (no whole token) and the floor: 2 at once, then 2 per second.
    // Ten retries a second outrun that: after the third attempt (at 200 ms) no token is left.
    expect(calls).toHaveLength(3);
    expect(clock.now()).toBe(200);
    expect(blocked.mock.calls[0]?.[0]).toMatchObject({ reason: 'budget', attempt: 3 });
    expect(clock.pending).toBe(0);
  });

  it('maxAttempts: Infinity with a budget that has no floor ends when the deposits are spent', async () => {
    const clock = new VirtualClock();
    const budget = retryBudget({ ratio: 1, minPerSecond: 0, clock });
    for (let i = 0; i < 4; i++) budget.deposit();
    const policy = retry({ clock, idempotent: true, maxAttempts: Infinity, backoff: constant(1), budget });
    const { fn, calls } = scripted([new Error('down')]);
    const result = settle(policy.execute(fn));
    await clock.runAll();
    expect((await result).ok).toBe(false);
    expect(calls).toHaveLength(6); // the first attempt, then one retry per deposit (4 here, 1 by execute)
  });
});

describe('retry: abort', () => {
  it('rejects with signal.reason the moment the caller aborts during a backoff, clearing the timer and the listener', async () => {
    const clock = new VirtualClock();
    const policy = retry({ clock, idempotent: true, backoff: constant(10_000) });
    const controller = new AbortController();
    const reason = { why: 'user left' };
    const { fn, calls } = scripted([new Error('a'), 'ok']);
    const result = settle(policy.execute(fn, { signal: controller.signal }));
    await clock.advance(10);
    expect(clock.pending).toBe(1);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort(reason);
    const settled = await result;
    expect(settled.ok).toBe(false);
    expect((settled as { error: unknown }).error).toBe(reason);
    expect(clock.now()).toBe(10);
    expect(clock.pending).toBe(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    await clock.runAll();
    expect(calls).toHaveLength(1);
  });

  it('removes its abort listener when the sleep ends normally', async () => {
    const clock = new VirtualClock();
    const policy = retry({ clock, idempotent: true, backoff: constant(5) });
    const controller = new AbortController();
    const result = policy.execute(scripted([new Error('a'), 'ok']).fn, { signal: controller.signal });
    await clock.runAll();
    await expect(result).resolves.toBe('ok');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('rejects with signal.reason without running fn when the caller aborted before execute', async () => {
    const controller = new AbortController();
    controller.abort('gone');
    const fn = vi.fn();
    await expect(retry().execute(fn, { signal: controller.signal })).rejects.toBe('gone');
    expect(fn).not.toHaveBeenCalled();
  });

  it('does not retry after the caller aborted during an attempt, and rejects with signal.reason', async () => {
    const clock = new VirtualClock();
    const policy = retry({ clock, idempotent: true, backoff: constant(0) });
    const controller = new AbortController();
    let calls = 0;
    const result = settle(
      policy.execute(
        () => {
          calls++;
          controller.abort('stop');
          return Promise.reject(new Error('ignored the signal'));
        },
        { signal: controller.signal },
      ),
    );
    await clock.runAll();
    expect(await result).toEqual({ ok: false, error: 'stop' });
    expect(calls).toBe(1);
  });

  it('rejects with signal.reason even when a value arrives after the caller aborted', async () => {
    const controller = new AbortController();
    const policy = retry({ clock: new VirtualClock(), idempotent: true, retryOn: () => true });
    await expect(
      policy.execute(
        () => {
          controller.abort('late');
          return 'done';
        },
        { signal: controller.signal },
      ),
    ).rejects.toBe('late');
  });

  it('an enclosing timeout ends the call with its TimeoutError during a later attempt, leaving no timer', async () => {
    const clock = new VirtualClock();
    // The deadline rule sees 0 + 500 < 1000; the slow second attempt then outlives the timeout.
    const policy = pipeline(timeout(1_000, { clock }), retry({ clock, idempotent: true, backoff: constant(500) }));
    const { fn } = scripted([new Error('a'), new Promise(() => {})]);
    const result = settle(policy.execute(fn));
    await clock.runAll();
    const settled = await result;
    expect((settled as { error: Error }).error.name).toBe('TimeoutError');
    expect(clock.pending).toBe(0);
  });

  it('100,000 sequential retried calls leave no listeners on the caller signal (cockatiel #81, #69)', async () => {
    const clock = microtaskClock();
    const policy = retry({ clock, backoff: constant(0) });
    const controller = new AbortController();
    const warnings = vi.fn();
    process.on('warning', warnings);
    try {
      let failNext = true;
      const fn = (): Promise<string> => {
        failNext = !failNext;
        return failNext ? Promise.resolve('ok') : Promise.reject(notStarted());
      };
      for (let i = 0; i < 100_000; i++) {
        await policy.execute(fn, { signal: controller.signal });
      }
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      expect(clock.pending).toBe(0);
      await new Promise((r) => setImmediate(r));
      expect(warnings).not.toHaveBeenCalled();
    } finally {
      process.off('warning', warnings);
    }
  });
});

describe('retry: events', () => {
  it('emits attempt with durationMs and outcome, retry before each sleep, with the common fields', async () => {
    const clock = new VirtualClock();
    const policy = retry({ clock, idempotent: true, backoff: constant(20), name: 'users-retry' });
    const log: unknown[] = [];
    policy.on('attempt', (e) => log.push(['attempt', e.attempt, e.durationMs, e.outcome, e.at]));
    policy.on('retry', (e) =>
      log.push(['retry', e.attempt, e.delay, e.outcome, e.at, e.policy, e.key, e.correlationId]),
    );
    const error = new Error('slow failure');
    let n = 0;
    const fn = (): Promise<string> => {
      n++;
      return new Promise((resolve, reject) => clock.setTimeout(() => (n === 1 ? reject(error) : resolve('ok')), 30));
    };
    const result = policy.execute(fn, { key: 'k', correlationId: 'c' });
    await clock.runAll();
    await expect(result).resolves.toBe('ok');
    expect(log).toEqual([
      ['attempt', 1, 30, { ok: false, error }, 30],
      ['retry', 1, 20, { ok: false, error }, 30, 'users-retry', 'k', 'c'],
      ['attempt', 2, 30, { ok: true, value: 'ok' }, 80],
    ]);
  });

  it('a throwing listener does not change the call', async () => {
    const clock = new VirtualClock();
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      const policy = retry({ clock, idempotent: true, backoff: constant(0) });
      policy.on('retry', () => {
        throw new Error('listener');
      });
      policy.on('attempt', () => {
        throw new Error('listener');
      });
      const result = policy.execute(scripted([new Error('a'), 'ok']).fn);
      await clock.runAll();
      await expect(result).resolves.toBe('ok');
      expect(warn).toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });
});

describe('retry: bad input', () => {
  const cases: Array<[string, () => unknown, ErrorConstructor, string]> = [
    ['options null', () => retry(null as never), TypeError, 'retry: options must be an object, got null'],
    ['options array', () => retry([] as never), TypeError, 'retry: options must be an object, got an array'],
    [
      'maxAttempts 0',
      () => retry({ maxAttempts: 0 }),
      RangeError,
      'retry: maxAttempts must be an integer >= 1, or Infinity, got 0',
    ],
    [
      'maxAttempts 1.5',
      () => retry({ maxAttempts: 1.5 }),
      RangeError,
      'retry: maxAttempts must be an integer >= 1, or Infinity, got 1.5',
    ],
    [
      'maxAttempts NaN',
      () => retry({ maxAttempts: NaN }),
      RangeError,
      'retry: maxAttempts must be an integer >= 1, or Infinity, got NaN',
    ],
    [
      'maxAttempts -Infinity',
      () => retry({ maxAttempts: -Infinity }),
      RangeError,
      'retry: maxAttempts must be an integer >= 1, or Infinity, got -Infinity',
    ],
    [
      'maxAttempts "3"',
      () => retry({ maxAttempts: '3' as never }),
      TypeError,
      'retry: maxAttempts must be an integer >= 1, or Infinity, got "3"',
    ],
    ['backoff', () => retry({ backoff: 100 as never }), TypeError, 'retry: backoff must be a function, got 100'],
    ['retryOn', () => retry({ retryOn: true as never }), TypeError, 'retry: retryOn must be a function, got true'],
    [
      'idempotent',
      () => retry({ idempotent: 'yes' as never }),
      TypeError,
      'retry: idempotent must be a boolean, got "yes"',
    ],
    [
      'notExecuted',
      () => retry({ notExecuted: ['ECONNREFUSED'] as never }),
      TypeError,
      'retry: notExecuted must be a function, got an array',
    ],
    [
      'budget',
      () => retry({ budget: {} as never }),
      TypeError,
      'retry: budget must be a RetryBudget (an object with tryTake and deposit), got an object',
    ],
    ['onDiscard', () => retry({ onDiscard: 1 as never }), TypeError, 'retry: onDiscard must be a function, got 1'],
    ['random', () => retry({ random: 0.5 as never }), TypeError, 'retry: random must be a function, got 0.5'],
    ['name', () => retry({ name: '' }), TypeError, 'retry: name must be a non-empty string, got ""'],
    [
      'clock',
      () => retry({ clock: {} as never }),
      TypeError,
      'retry: clock must be an object with now, setTimeout and clearTimeout, got an object',
    ],
    ['constant -1', () => constant(-1), RangeError, 'constant: ms must be a finite number >= 0, got -1'],
    ['constant NaN', () => constant(NaN), RangeError, 'constant: ms must be a finite number >= 0, got NaN'],
    [
      'constant Infinity',
      () => constant(Infinity),
      RangeError,
      'constant: ms must be a finite number >= 0, got Infinity',
    ],
    ['constant "5"', () => constant('5' as never), TypeError, 'constant: ms must be a finite number >= 0, got "5"'],
    ['exponential options', () => exponential(5 as never), TypeError, 'exponential: options must be an object, got 5'],
    [
      'exponential initial 0',
      () => exponential({ initial: 0 }),
      RangeError,
      'exponential: initial must be a positive finite number, got 0',
    ],
    [
      'exponential initial Infinity',
      () => exponential({ initial: Infinity }),
      RangeError,
      'exponential: initial must be a positive finite number, got Infinity',
    ],
    [
      'exponential factor 0.5',
      () => exponential({ factor: 0.5 }),
      RangeError,
      'exponential: factor must be a finite number >= 1, got 0.5',
    ],
    [
      'exponential factor Infinity',
      () => exponential({ factor: Infinity }),
      RangeError,
      'exponential: factor must be a finite number >= 1, got Infinity',
    ],
    [
      'exponential factor "2"',
      () => exponential({ factor: '2' as never }),
      TypeError,
      'exponential: factor must be a finite number >= 1, got "2"',
    ],
    [
      'exponential max NaN',
      () => exponential({ max: NaN }),
      RangeError,
      'exponential: max must be a positive finite number, got NaN',
    ],
    [
      'exponential max < initial',
      () => exponential({ initial: 500, max: 100 }),
      RangeError,
      'exponential: max must be a finite number >= initial (500), got 100',
    ],
    [
      'exponential jitter',
      () => exponential({ jitter: 'half' as never }),
      RangeError,
      'exponential: jitter must be one of "full", "equal", "decorrelated", "none", got "half"',
    ],
    [
      'retryBudget ratio',
      () => retryBudget({ ratio: -0.1 }),
      RangeError,
      'retryBudget: ratio must be a finite number >= 0, got -0.1',
    ],
    [
      'retryBudget minPerSecond',
      () => retryBudget({ minPerSecond: Infinity }),
      RangeError,
      'retryBudget: minPerSecond must be a finite number >= 0, got Infinity',
    ],
    [
      'retryBudget windowMs',
      () => retryBudget({ windowMs: 0 }),
      RangeError,
      'retryBudget: windowMs must be a positive finite number, got 0',
    ],
    [
      'retryBudget clock',
      () => retryBudget({ clock: Date as never }),
      TypeError,
      'retryBudget: clock must be an object with now, setTimeout and clearTimeout, got a function',
    ],
    [
      'retryBudget options',
      () => retryBudget('x' as never),
      TypeError,
      'retryBudget: options must be an object, got "x"',
    ],
  ];

  it.each(cases)('%s throws at construction, naming the option and the value', (_label, make, type, message) => {
    let thrown: unknown;
    try {
      make();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(type);
    expect((thrown as Error).message).toBe(message);
  });

  it('accepts Infinity and 1 for maxAttempts, 0 for constant, and an explicit 0 ratio or floor', () => {
    expect(retry({ maxAttempts: Infinity }).maxAttempts).toBe(Infinity);
    expect(retry({ maxAttempts: 1 }).maxAttempts).toBe(1);
    expect(constant(0)({ attempt: 1, previous: 0, random: Math.random })).toBe(0);
    expect(retryBudget({ ratio: 0, minPerSecond: 0, clock: new VirtualClock() }).available).toBe(0);
  });

  it('execute rejects a non-function with a TypeError', async () => {
    await expect(retry().execute(42 as never)).rejects.toBeInstanceOf(TypeError);
  });
});

describe('exponential: exact decorrelated delays', () => {
  const info = (previous: number, u: number) => ({ attempt: 1, previous, random: () => u });

  it('draws from [initial, 3 × initial] before the first retry (previous 0 counts as initial)', () => {
    const b = exponential({ initial: 100, max: 1_000, jitter: 'decorrelated' });
    expect(b(info(0, 0.5))).toBe(200); // 100 + 0.5 × (300 − 100)
    expect(b(info(0, 0))).toBe(100);
  });

  it('grows from the previous delay: previous 200 draws from [100, 600]', () => {
    const b = exponential({ initial: 100, max: 1_000, jitter: 'decorrelated' });
    expect(b(info(200, 0.5))).toBe(350); // 100 + 0.5 × (600 − 100)
  });

  it('takes a previous delay above max as max', () => {
    const b = exponential({ initial: 100, max: 1_000, jitter: 'decorrelated' });
    expect(b(info(5_000, 0.1))).toBe(390); // 100 + 0.1 × (3 × 1000 − 100)
  });

  it('caps the delay at max and floors it at initial, even for a random source outside [0, 1)', () => {
    const b = exponential({ initial: 100, max: 1_000, jitter: 'decorrelated' });
    expect(b(info(900, 0.99))).toBe(1_000);
    expect(b(info(200, -1))).toBe(100);
  });
});

describe('exponential: full jitter stays in [0, max] whatever random returns', () => {
  it('a negative draw gives 0 and a draw above 1 gives max', () => {
    const b = exponential({ initial: 100, max: 400, jitter: 'full' });
    expect(b({ attempt: 1, previous: 0, random: () => -0.5 })).toBe(0);
    expect(b({ attempt: 5, previous: 0, random: () => 1.5 })).toBe(400);
    expect(b({ attempt: 2, previous: 0, random: () => 0.5 })).toBe(100);
  });
});

describe('retry: errors that are not objects', () => {
  it('a non-idempotent call rejected with null or undefined runs once and rejects with that value', async () => {
    for (const thrown of [null, undefined]) {
      const policy = retry({ clock: new VirtualClock() });
      let calls = 0;
      const result = await settle(
        policy.execute(() => {
          calls++;
          return Promise.reject(thrown);
        }),
      );
      expect(result).toEqual({ ok: false, error: thrown });
      expect(calls).toBe(1);
    }
  });

  it('a non-idempotent call whose error has cause null is not retried and keeps its error', async () => {
    const policy = retry({ clock: new VirtualClock() });
    const error = Object.assign(new Error('x'), { cause: null });
    let calls = 0;
    const result = await settle(
      policy.execute(() => {
        calls++;
        return Promise.reject(error);
      }),
    );
    expect(result).toEqual({ ok: false, error });
    expect(calls).toBe(1);
  });

  it('an idempotent call rejected with null or undefined is retried and rejects with that value', async () => {
    for (const thrown of [null, undefined]) {
      const clock = new VirtualClock();
      const policy = retry({ clock, idempotent: true, maxAttempts: 2, backoff: constant(10) });
      let calls = 0;
      const result = settle(
        policy.execute(() => {
          calls++;
          return Promise.reject(thrown);
        }),
      );
      await clock.runAll();
      expect(await result).toEqual({ ok: false, error: thrown });
      expect(calls).toBe(2);
    }
  });
});

describe('retry: retryAfter', () => {
  it('an error with retryAfter Number.MAX_VALUE sleeps the longest timer delay, not the backoff', async () => {
    const clock = new VirtualClock();
    const policy = retry({ clock, idempotent: true, maxAttempts: 2, backoff: constant(10) });
    const delays: number[] = [];
    policy.on('retry', (e) => delays.push(e.delay));
    let calls = 0;
    const result = settle(
      policy.execute(() => {
        calls++;
        return Promise.reject(Object.assign(new Error('slow down'), { retryAfter: Number.MAX_VALUE }));
      }),
    );
    await clock.advance(10_000);
    expect(calls).toBe(1);
    expect(delays).toEqual([2_147_483_647]);
    await clock.runAll();
    expect((await result).ok).toBe(false);
    expect(calls).toBe(2);
  });

  it('a value that retryOn retries is not delayed by its own retryAfter field', async () => {
    const clock = new VirtualClock();
    const policy = retry({
      clock,
      idempotent: true,
      maxAttempts: 2,
      backoff: constant(10),
      retryOn: (o) => o.ok && (o.value as { retry: boolean }).retry,
    });
    const delays: number[] = [];
    policy.on('retry', (e) => delays.push(e.delay));
    let calls = 0;
    const result = settle(
      policy.execute(() => {
        calls++;
        return { retry: calls === 1, retryAfter: 60_000 };
      }),
    );
    await clock.advance(10);
    expect(delays).toEqual([10]);
    expect(calls).toBe(2);
    expect(await result).toEqual({ ok: true, value: { retry: false, retryAfter: 60_000 } });
  });
});

describe('retry: onDiscard', () => {
  it('gets only retried values, never retried errors', async () => {
    const clock = new VirtualClock();
    const discarded: unknown[] = [];
    const policy = retry({
      clock,
      idempotent: true,
      maxAttempts: 3,
      backoff: constant(1),
      retryOn: (o) => !o.ok || o.value === 'bad',
      onDiscard: (v) => discarded.push(v),
    });
    const script: unknown[] = [new Error('e1'), 'bad', 'good'];
    let i = 0;
    const result = settle(
      policy.execute(() => {
        const step = script[i++];
        return step instanceof Error ? Promise.reject(step) : Promise.resolve(step);
      }),
    );
    await clock.runAll();
    expect(await result).toEqual({ ok: true, value: 'good' });
    expect(discarded).toEqual(['bad']);
  });

  it('without onDiscard, retrying a value emits no warning', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const clock = new VirtualClock();
    const policy = retry({
      clock,
      idempotent: true,
      maxAttempts: 2,
      backoff: constant(1),
      retryOn: (o) => o.ok && o.value === 'bad',
    });
    let i = 0;
    const result = settle(policy.execute(() => (i++ === 0 ? 'bad' : 'good')));
    await clock.runAll();
    expect(await result).toEqual({ ok: true, value: 'good' });
    expect(warn).not.toHaveBeenCalled();
  });
});

describe('retry: the enclosing scope aborts while an attempt runs', () => {
  it('a value that retryOn would retry is kept: nothing is retried after the abort', async () => {
    const clock = new VirtualClock();
    const policy = pipeline(
      timeout(50, { clock, strategy: 'cooperative' }),
      retry({ clock, idempotent: true, maxAttempts: 3, backoff: constant(10), retryOn: () => true }),
    );
    const d = deferred<string>();
    let calls = 0;
    const result = settle(
      policy.execute(() => {
        calls++;
        return d.promise;
      }),
    );
    await clock.advance(50); // the timeout aborts the retry's scope
    d.resolve('late value');
    await clock.runAll();
    expect(await result).toEqual({ ok: true, value: 'late value' });
    expect(calls).toBe(1);
  });

  it('a failure after the abort rejects with the scope reason and is not retried', async () => {
    const clock = new VirtualClock();
    const policy = pipeline(
      timeout(50, { clock, strategy: 'cooperative' }),
      retry({ clock, idempotent: true, maxAttempts: 3, backoff: constant(10), retryOn: (o) => !o.ok }),
    );
    const d = deferred<string>();
    let calls = 0;
    const attemptError = new Error('attempt failed');
    const result = settle(
      policy.execute(() => {
        calls++;
        return d.promise;
      }),
    );
    await clock.advance(50);
    d.reject(attemptError);
    await clock.runAll();
    const r = await result;
    expect(r.ok).toBe(false);
    expect(r.ok ? undefined : r.error).toBeInstanceOf(TimeoutError);
    expect(calls).toBe(1);
  });

  it('a retry listener that aborts the caller ends the call at once, with no timer left', async () => {
    const clock = new VirtualClock();
    const policy = retry({ clock, idempotent: true, maxAttempts: 3, backoff: constant(1_000) });
    const controller = new AbortController();
    const reason = new Error('stop');
    policy.on('retry', () => controller.abort(reason));
    let calls = 0;
    let outcome: unknown;
    const done = policy
      .execute(
        () => {
          calls++;
          return Promise.reject(new Error('down'));
        },
        { signal: controller.signal },
      )
      .catch((error: unknown) => {
        outcome = error;
      });
    // No time passes: the call must settle on its own.
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(outcome).toBe(reason);
    expect(clock.pending).toBe(0);
    expect(calls).toBe(1);
    await done;
  });
});

describe('retry: attempt events', () => {
  it('a listener added during the first attempt times the following attempts only', async () => {
    const clock = new VirtualClock();
    const policy = retry({ clock, idempotent: true, maxAttempts: 3, backoff: constant(10) });
    const seen: { attempt: number; durationMs: number }[] = [];
    const listener = (e: { attempt: number; durationMs: number }): void => {
      seen.push({ attempt: e.attempt, durationMs: e.durationMs });
    };
    let calls = 0;
    const result = settle(
      policy.execute((_ctx: Context) => {
        calls++;
        if (calls === 1) policy.on('attempt', listener);
        return Promise.reject(new Error(`e${calls}`));
      }),
    );
    await clock.runAll();
    expect((await result).ok).toBe(false);
    expect(seen).toEqual([
      { attempt: 2, durationMs: 0 },
      { attempt: 3, durationMs: 0 },
    ]);
  });
});
