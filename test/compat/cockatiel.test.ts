import * as peer from 'cockatiel';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as shim from '../../src/compat/cockatiel/index.js';

// The same script against cockatiel 4 and against the shim: the same observable results.
type Lib = typeof shim;
const libs: [string, Lib][] = [
  ['cockatiel', peer as unknown as Lib],
  ['shim', shim],
];

class MyError extends Error {}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe.each(libs)('%s', (_name, c) => {
  it('retry: maxAttempts counts retries; onRetry gets delay and attempt; onGiveUp the last error', async () => {
    const p = c.retry(c.handleAll, { maxAttempts: 2, backoff: new c.ConstantBackoff(50) });
    const retries: unknown[] = [];
    const giveUps: unknown[] = [];
    p.onRetry((e) =>
      retries.push({ delay: e.delay, attempt: e.attempt, error: 'error' in e ? String(e.error) : undefined }),
    );
    p.onGiveUp((e) => giveUps.push('error' in e ? String(e.error) : 'value'));
    const attempts: number[] = [];
    const result = p
      .execute(({ attempt }) => {
        attempts.push(attempt);
        throw new MyError('x' + attempt);
      })
      .catch((e: unknown) => String(e));
    await vi.runAllTimersAsync();
    expect(await result).toBe('Error: x2');
    expect(attempts).toEqual([0, 1, 2]);
    expect(retries).toEqual([
      { delay: 50, attempt: 1, error: 'Error: x0' },
      { delay: 50, attempt: 2, error: 'Error: x1' },
    ]);
    expect(giveUps).toEqual(['Error: x2']);
  });

  it('retry: the default retries without end at delay 0 until a success', async () => {
    const p = c.retry(c.handleAll, {});
    let n = 0;
    const result = p.execute(() => (++n < 5 ? Promise.reject(new Error('no')) : n));
    await vi.runAllTimersAsync();
    expect(await result).toBe(5);
  });

  it('a function that throws synchronously: handled is retried, unhandled rejects, onFailure sees both', async () => {
    const handled = c.retry(c.handleType(MyError), { maxAttempts: 1 });
    const failures: boolean[] = [];
    handled.onFailure(({ handled: h }) => failures.push(h));
    let calls = 0;
    const p1 = handled.execute(() => {
      calls++;
      throw new MyError('sync');
    });
    const r1 = expect(p1).rejects.toBeInstanceOf(MyError);
    await vi.runAllTimersAsync();
    await r1;
    expect(calls).toBe(2);
    const p2 = handled.execute(() => {
      throw new TypeError('not handled');
    });
    await expect(p2).rejects.toBeInstanceOf(TypeError);
    expect(failures).toEqual([true, true, false]);
  });

  it('retry: unhandled errors are not retried; handled results are, and the last value resolves', async () => {
    const p = c.retry(
      c.handleType(MyError).orWhenResult((r) => r === 'bad'),
      { maxAttempts: 1 },
    );
    let calls = 0;
    await expect(
      p.execute(() => {
        calls++;
        throw new TypeError('other');
      }),
    ).rejects.toThrow(TypeError);
    expect(calls).toBe(1);
    const value = p.execute(() => 'bad');
    await vi.runAllTimersAsync();
    expect(await value).toBe('bad');
  });

  it('retry: the delay follows the backoff chain per call (IterableBackoff)', async () => {
    const p = c.retry(c.handleAll, { maxAttempts: 3, backoff: new c.IterableBackoff([10, 20]) });
    const delays: number[] = [];
    p.onRetry((e) => delays.push(e.delay));
    const r = p.execute(() => Promise.reject(new Error('e'))).catch(() => 'done');
    await vi.runAllTimersAsync();
    expect(await r).toBe('done');
    expect(delays).toEqual([10, 20, 20]);
  });

  it('circuitBreaker: opens after the breaker says so, rejects with BrokenCircuitError, half-opens after halfOpenAfter', async () => {
    const p = c.circuitBreaker(c.handleType(MyError), { halfOpenAfter: 1000, breaker: new c.ConsecutiveBreaker(2) });
    const events: string[] = [];
    p.onBreak(() => events.push('break'));
    p.onHalfOpen(() => events.push('halfOpen'));
    p.onReset(() => events.push('reset'));
    p.onStateChange((s) => events.push('state' + String(s)));
    const fail = (): never => {
      throw new MyError();
    };
    await expect(p.execute(fail)).rejects.toBeInstanceOf(MyError);
    expect(p.state).toBe(c.CircuitState.Closed);
    await expect(p.execute(fail)).rejects.toBeInstanceOf(MyError);
    expect(p.state).toBe(c.CircuitState.Open);
    await expect(p.execute(() => 1)).rejects.toBeInstanceOf(c.BrokenCircuitError);
    expect((p.lastFailure as { error: unknown }).error).toBeInstanceOf(MyError);
    vi.advanceTimersByTime(1000);
    const probe = p.execute(() => Promise.resolve(42));
    expect(p.state).toBe(c.CircuitState.HalfOpen);
    expect(await probe).toBe(42);
    expect(p.state).toBe(c.CircuitState.Closed);
    expect(events).toEqual(['break', 'state1', 'halfOpen', 'state2', 'reset', 'state0']);
  });

  it('circuitBreaker: callers beyond the half-open trial wait for its verdict', async () => {
    const p = c.circuitBreaker(c.handleAll, { halfOpenAfter: 100, breaker: new c.ConsecutiveBreaker(1) });
    await expect(p.execute(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
    vi.advanceTimersByTime(100);
    let first = false;
    const a = p.execute(async () => {
      await new Promise((r) => setTimeout(r, 10));
      first = true;
      return 1;
    });
    const b = p.execute(() => (first ? 2 : -1));
    await vi.advanceTimersByTimeAsync(10);
    expect(await Promise.all([a, b])).toEqual([1, 2]);
  });

  it('circuitBreaker: isolate holds it open until every handle is disposed', async () => {
    const p = c.circuitBreaker(c.handleAll, { halfOpenAfter: 100, breaker: new c.ConsecutiveBreaker(1) });
    const breaks: unknown[] = [];
    p.onBreak((e) => breaks.push(e));
    const h1 = p.isolate();
    const h2 = p.isolate();
    expect(breaks).toEqual([{ isolated: true }]);
    expect(p.state).toBe(c.CircuitState.Isolated);
    await expect(p.execute(() => 1)).rejects.toBeInstanceOf(c.IsolatedCircuitError);
    h1.dispose();
    expect(p.state).toBe(c.CircuitState.Isolated);
    h2.dispose();
    expect(p.state).toBe(c.CircuitState.Closed);
    expect(await p.execute(() => 1)).toBe(1);
  });

  it('circuitBreaker: toJSON hydrates a new breaker through initialState', async () => {
    const p = c.circuitBreaker(c.handleAll, { halfOpenAfter: 1000, breaker: new c.ConsecutiveBreaker(1) });
    await expect(p.execute(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
    const q = c.circuitBreaker(c.handleAll, {
      halfOpenAfter: 1000,
      breaker: new c.ConsecutiveBreaker(1),
      initialState: p.toJSON(),
    });
    expect(q.state).toBe(c.CircuitState.Open);
    await expect(q.execute(() => 1)).rejects.toBeInstanceOf(c.BrokenCircuitError);
    expect(c.isHydratingCircuitError((q.lastFailure as { error: unknown }).error)).toBe(true);
  });

  it('timeout: aggressive rejects with TaskCancelledError and aborts the signal; onTimeout fires', async () => {
    const p = c.timeout(100, c.TimeoutStrategy.Aggressive);
    let timeouts = 0;
    p.onTimeout(() => timeouts++);
    let signal: AbortSignal | undefined;
    const r = p.execute(({ signal: s }) => {
      signal = s;
      return new Promise(() => undefined);
    });
    const settled = r.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(100);
    const error = (await settled) as Error;
    expect(c.isTaskCancelledError(error)).toBe(true);
    expect(error.message).toBe('Operation timed out after 100ms');
    expect(signal?.aborted).toBe(true);
    expect(timeouts).toBe(1);
  });

  it('timeout: cooperative waits for the function; the signal aborts on return unless abortOnReturn is false', async () => {
    const p = c.timeout(100, c.TimeoutStrategy.Cooperative);
    let signal: AbortSignal | undefined;
    const r = p.execute(({ signal: s }) => {
      signal = s;
      return new Promise((res) => setTimeout(() => res('late'), 150));
    });
    await vi.advanceTimersByTimeAsync(150);
    expect(await r).toBe('late');
    expect(signal?.aborted).toBe(true);
    const keep = c.timeout(100, { strategy: c.TimeoutStrategy.Cooperative, abortOnReturn: false });
    let s2: AbortSignal | undefined;
    expect(await keep.execute(({ signal: s }) => ((s2 = s), 1))).toBe(1);
    expect(s2?.aborted).toBe(false);
  });

  it('bulkhead: runs limit calls, queues queue more, rejects the rest with BulkheadRejectedError', async () => {
    const p = c.bulkhead(1, 1);
    let rejects = 0;
    p.onReject(() => rejects++);
    const slow = (v: number) => () => new Promise<number>((r) => setTimeout(() => r(v), 10));
    const a = p.execute(slow(1));
    const b = p.execute(slow(2));
    expect(p.executionSlots).toBe(0);
    expect(p.queueSlots).toBe(0);
    const error = (await p.execute(slow(3)).catch((e: unknown) => e)) as Error;
    expect(c.isBulkheadRejectedError(error)).toBe(true);
    expect(error.message).toBe('Bulkhead capacity exceeded (0/1 execution slots, 0/1 available)');
    expect(rejects).toBe(1);
    await vi.advanceTimersByTimeAsync(20);
    expect(await Promise.all([a, b])).toEqual([1, 2]);
    expect(p.executionSlots).toBe(1);
    const aborted = new AbortController();
    aborted.abort();
    await expect(p.execute(slow(4), aborted.signal)).rejects.toBeInstanceOf(c.TaskCancelledError);
  });

  it('fallback: a handled failure resolves with the value or the factory', async () => {
    expect(await c.fallback(c.handleAll, 'fb').execute(() => Promise.reject(new Error('x')))).toBe('fb');
    expect(
      await c
        .fallback(
          c.handleWhenResult((r) => r === 0),
          () => 'zero',
        )
        .execute(() => 0),
    ).toBe('zero');
    await expect(
      c.fallback(c.handleType(MyError), 'fb').execute(() => Promise.reject(new TypeError('t'))),
    ).rejects.toThrow(TypeError);
  });

  it('wrap and noop: contexts merge, onSuccess/onFailure report duration and handling', async () => {
    const r = c.retry(c.handleAll, { maxAttempts: 1 });
    const t = c.timeout(1000, c.TimeoutStrategy.Aggressive);
    const w = c.wrap(r, t);
    const seen: unknown[] = [];
    const value = await w.execute((ctx) => {
      seen.push(typeof ctx.attempt, ctx.signal instanceof AbortSignal);
      return 'ok';
    });
    expect(value).toBe('ok');
    expect(seen).toEqual(['number', true]);
    const failures: unknown[] = [];
    c.noop.onFailure((e) => failures.push(e.handled));
    await expect(c.noop.execute(() => Promise.reject(new Error('n')))).rejects.toThrow('n');
    expect(failures).toEqual([false]);
  });

  it('errors: guards and messages', () => {
    expect(new c.BrokenCircuitError().message).toBe('Execution prevented because the circuit breaker is open');
    expect(new c.IsolatedCircuitError()).toBeInstanceOf(c.BrokenCircuitError);
    expect(c.isBrokenCircuitError(new c.IsolatedCircuitError())).toBe(true);
    expect(c.isIsolatedCircuitError(new c.BrokenCircuitError())).toBe(false);
    expect(new c.TaskCancelledError().message).toBe('Operation cancelled');
    expect(c.isBrokenCircuitError(new Error())).toBe(false);
  });

  it('backoffs: exponential without jitter doubles up to maxDelay; constant stays', () => {
    let b = new c.ExponentialBackoff({ generator: c.noJitterGenerator, initialDelay: 100, maxDelay: 350 }).next();
    const durations: number[] = [];
    for (let i = 0; i < 4; i++) {
      durations.push(b.duration);
      b = b.next(undefined as never);
    }
    expect(durations).toEqual([100, 200, 350, 350]);
    expect(new c.ConstantBackoff(7).next().next(undefined).duration).toBe(7);
    const d = new c.DelegateBackoff<{ attempt: number }>((ctx) => ctx.attempt * 10).next({ attempt: 3 });
    expect(d.duration).toBe(30);
  });

  it('events: Event.once and Event.toPromise', async () => {
    const e = new c.EventEmitter<number>();
    const got: number[] = [];
    c.Event.once(e.addListener, (v) => got.push(v));
    e.emit(1);
    e.emit(2);
    expect(got).toEqual([1]);
    const next = c.Event.toPromise(e.addListener);
    e.emit(3);
    expect(await next).toBe(3);
  });

  it('retry: a listener that moves fake time in onRetry moves the sleep on (the timer exists by then)', async () => {
    const p = c.retry(c.handleAll, { maxAttempts: 2, backoff: new c.IterableBackoff([30, 60]) });
    const delays: number[] = [];
    p.onRetry(({ delay }) => {
      delays.push(delay);
      vi.advanceTimersByTime(delay);
    });
    let calls = 0;
    await expect(
      p.execute(() => {
        calls++;
        throw new MyError();
      }),
    ).rejects.toBeInstanceOf(MyError);
    expect([calls, delays]).toEqual([3, [30, 60]]);
  });

  it('retry: an aborted caller signal stops retrying and hands back the failure', async () => {
    const parent = new AbortController();
    let calls = 0;
    const error = new Error('stop');
    await expect(
      c.retry(c.handleAll, { maxAttempts: 3 }).execute(({ signal }) => {
        calls++;
        parent.abort();
        expect(signal.aborted).toBe(true);
        throw error;
      }, parent.signal),
    ).rejects.toBe(error);
    expect(calls).toBe(1);
  });

  it('circuitBreaker: halfOpenAfter as a backoff: the chain moves on each reopen and restarts after closing', async () => {
    const seen: number[] = [];
    class Steps {
      constructor(readonly duration: number) {}
      next(ctx: { attempt: number; result: object }): Steps {
        seen.push(ctx.attempt);
        expect('error' in ctx.result).toBe(true);
        return new Steps(this.duration + 100);
      }
    }
    const p = c.circuitBreaker(c.handleAll, { halfOpenAfter: new Steps(0), breaker: new c.ConsecutiveBreaker(1) });
    const fail = (): Promise<never> => Promise.reject(new Error('x'));
    await expect(p.execute(fail)).rejects.toThrow('x');
    expect(seen).toEqual([1]);
    vi.advanceTimersByTime(100);
    await expect(p.execute(fail)).rejects.toThrow('x');
    expect(seen).toEqual([1, 2]);
    vi.advanceTimersByTime(199);
    await expect(p.execute(() => 1)).rejects.toBeInstanceOf(c.BrokenCircuitError);
    vi.advanceTimersByTime(1);
    expect(await p.execute(() => 1)).toBe(1);
    await expect(p.execute(fail)).rejects.toThrow('x');
    expect(seen).toEqual([1, 2, 1]);
  });

  it('circuitBreaker: a waiting caller whose signal aborted gets TaskCancelledError once the trial closes the circuit', async () => {
    const p = c.circuitBreaker(c.handleAll, { halfOpenAfter: 100, breaker: new c.ConsecutiveBreaker(1) });
    await expect(p.execute(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
    vi.advanceTimersByTime(100);
    const trial = p.execute(() => Promise.resolve(42));
    const aborted = new AbortController();
    aborted.abort();
    await expect(p.execute(() => 1, aborted.signal)).rejects.toBeInstanceOf(c.TaskCancelledError);
    expect(await trial).toBe(42);
    expect(p.state).toBe(c.CircuitState.Closed);
  });

  it("circuitBreaker, timeout, bulkhead: the caller signal is linked into the function's", async () => {
    for (const policy of [
      c.circuitBreaker(c.handleAll, { halfOpenAfter: 100, breaker: new c.ConsecutiveBreaker(3) }),
      c.timeout(1000, c.TimeoutStrategy.Cooperative),
      c.bulkhead(1, 1),
    ]) {
      const parent = new AbortController();
      await policy.execute(({ signal }) => {
        expect(signal.aborted).toBe(false);
        parent.abort();
        expect(signal.aborted).toBe(true);
      }, parent.signal);
    }
  });

  it('timeout: events per strategy (success, failure, timeout)', async () => {
    const counts = { success: 0, failure: 0, timeout: 0 };
    const agg = c.timeout(5, c.TimeoutStrategy.Aggressive);
    agg.onSuccess(() => counts.success++);
    agg.onFailure(() => counts.failure++);
    agg.onTimeout(() => counts.timeout++);
    const late = agg.execute(() => new Promise((r) => setTimeout(r, 10))).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(5);
    expect(c.isTaskCancelledError(await late)).toBe(true);
    expect(counts).toEqual({ success: 0, failure: 1, timeout: 1 });
    await vi.advanceTimersByTimeAsync(10);
    expect(counts).toEqual({ success: 0, failure: 1, timeout: 1 });
    const coop = c.timeout(5, c.TimeoutStrategy.Cooperative);
    const coopCounts = { success: 0, timeout: 0 };
    coop.onSuccess(() => coopCounts.success++);
    coop.onTimeout(() => coopCounts.timeout++);
    const ok = coop.execute(() => new Promise((r) => setTimeout(() => r('v'), 10)));
    await vi.advanceTimersByTimeAsync(10);
    expect(await ok).toBe('v');
    expect(coopCounts).toEqual({ success: 1, timeout: 1 });
  });

  it('bulkhead: queue order, and a queued call aborted while waiting is cancelled without running', async () => {
    const b = c.bulkhead(2, 2);
    const order: string[] = [];
    const job = (i: number) => async () => {
      order.push(`${i} in`);
      await new Promise((r) => setTimeout(r, i * 2));
      order.push(`${i} out`);
      return i;
    };
    const out = [0, 1, 2, 3].map((i) => b.execute(job(i)));
    await expect(b.execute(job(4))).rejects.toBeInstanceOf(c.BulkheadRejectedError);
    await vi.advanceTimersByTimeAsync(20);
    expect(await Promise.all(out)).toEqual([0, 1, 2, 3]);
    expect(order).toEqual(['0 in', '1 in', '0 out', '2 in', '1 out', '3 in', '2 out', '3 out']);
    const q = c.bulkhead(1, Infinity);
    const hold = q.execute(() => new Promise((r) => setTimeout(r, 10)));
    const ctl = new AbortController();
    const queued = q.execute(() => {
      throw new Error('must not run');
    }, ctl.signal);
    ctl.abort();
    const settled = queued.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(10);
    await hold;
    expect(await settled).toBeInstanceOf(c.TaskCancelledError);
  });

  it('wrap: wrapped lists the policies; context has signal and attempt 0', async () => {
    const policies = [
      c.retry(c.handleAll, { maxAttempts: 2 }),
      c.circuitBreaker(c.handleAll, { halfOpenAfter: 100, breaker: new c.ConsecutiveBreaker(2) }),
      c.fallback(c.handleAll, 'foo'),
      c.timeout(1000, c.TimeoutStrategy.Aggressive),
      c.noop,
    ] as const;
    const w = c.wrap(...policies);
    expect((w as unknown as { wrapped: unknown }).wrapped).toEqual(policies);
    expect(
      await w.execute((ctx) => {
        expect((ctx as unknown as { attempt: number }).attempt).toBe(0);
        return 5;
      }),
    ).toBe(5);
  });

  it("usePolicy (experimentalDecorators form): the method gets the context; a trailing signal becomes the call's", async () => {
    const descriptor: PropertyDescriptor = {
      value(this: { factor: number }, n: number, ctx: { attempt: number; signal: AbortSignal }) {
        if (ctx.attempt < 2) throw new Error('again');
        return { n: n * this.factor, attempt: ctx.attempt, aborted: ctx.signal.aborted };
      },
    };
    c.usePolicy(c.retry(c.handleAll, { maxAttempts: 5 }))({}, 'double', descriptor);
    const target = { factor: 3, double: descriptor.value as (n: number, signal?: AbortSignal) => Promise<unknown> };
    const r = target.double(2);
    await vi.runAllTimersAsync();
    expect(await r).toEqual({ n: 6, attempt: 2, aborted: false });
    expect(() => c.usePolicy(c.noop)({}, 'x', { value: 1 })).toThrow(
      'Can only decorate functions with @cockatiel, got number',
    );
  });

  it.each([
    ['decorrelated jitter (the default)', undefined],
    ['no jitter', 'noJitterGenerator'],
    ['full jitter', 'fullJitterGenerator'],
    ['half jitter', 'halfJitterGenerator'],
  ] as const)('ExponentialBackoff defaults (initialDelay 128, maxDelay 30000, exponent 2): %s', (_label, generator) => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    try {
      const durationsOf = (lib: Lib): number[] => {
        const options = generator === undefined ? undefined : { generator: lib[generator] as never };
        let step = new lib.ExponentialBackoff(options).next();
        const durations: number[] = [];
        for (let i = 0; i < 12; i++) {
          durations.push(step.duration);
          step = step.next(undefined);
        }
        return durations;
      };
      const durations = durationsOf(c);
      expect(durations.every((d) => d >= 0 && d <= 30_000)).toBe(true);
      expect(durations.at(-1)).toBeGreaterThan(durations[1] ?? 0);
      // The same numbers as cockatiel's own, on the same draws.
      expect(durations).toEqual(durationsOf(peer as unknown as Lib));
    } finally {
      vi.restoreAllMocks();
    }
  });

  it('defaults: bulkhead queue 0, halfOpenSampling one trial, retry without end', async () => {
    const b = c.bulkhead(1);
    expect([b.executionSlots, b.queueSlots]).toEqual([1, 0]);
    const p = c.circuitBreaker(c.handleAll, { halfOpenAfter: 10, breaker: new c.ConsecutiveBreaker(1) });
    await expect(p.execute(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
    vi.advanceTimersByTime(10);
    const trial = p.execute(() => new Promise((r) => setTimeout(() => r(1), 5)));
    let second = false;
    const waiting = p.execute(() => ((second = true), 2));
    await vi.advanceTimersByTimeAsync(1);
    expect(second).toBe(false);
    await vi.advanceTimersByTimeAsync(5);
    expect(await Promise.all([trial, waiting])).toEqual([1, 2]);
  });

  it('CountBreaker and SamplingBreaker validate their options as cockatiel does', () => {
    expect(() => new c.CountBreaker({ threshold: 1, size: 10 })).toThrow(RangeError);
    expect(() => new c.CountBreaker({ threshold: 0.5, size: 0 })).toThrow(RangeError);
    expect(() => new c.SamplingBreaker({ threshold: 0, duration: 1000 })).toThrow(RangeError);
  });
});

describe('shim only', () => {
  it('usePolicy works as a standard decorator too (called as the runtime calls it)', async () => {
    const method = function (this: { k: number }, n: number, ctx?: shim.IRetryContext): number {
      return n * this.k + (ctx?.attempt ?? 100);
    };
    const decorated = shim.usePolicy(shim.retry(shim.handleAll, { maxAttempts: 1 }))(method, {
      kind: 'method',
    } as ClassMethodDecoratorContext);
    expect(await decorated.call({ k: 2 }, 2)).toBe(4);
  });

  it('rejects nonsense the peer accepts, naming the option', () => {
    expect(() => shim.retry(shim.handleAll, { maxAttempts: -1 })).toThrow(/maxAttempts/);
    expect(() => shim.timeout(-5, shim.TimeoutStrategy.Aggressive)).toThrow(/duration/);
    expect(() =>
      shim.circuitBreaker(shim.handleAll, { halfOpenAfter: -1, breaker: new shim.ConsecutiveBreaker(1) }),
    ).toThrow(/halfOpenAfter/);
    expect(() => shim.bulkhead(0)).toThrow(/maxConcurrent/);
  });

  it('runs on breakwater: a timer per sleep, none left when calls settle', async () => {
    const p = shim.wrap(
      shim.retry(shim.handleAll, { maxAttempts: 2 }),
      shim.timeout(100, shim.TimeoutStrategy.Aggressive),
    );
    const r = p.execute(() => 'ok');
    expect(await r).toBe('ok');
    expect(vi.getTimerCount()).toBe(0);
  });
});
