import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  BrokenCircuitError,
  BulkheadRejectedError,
  CIRCUIT_BREAKER_DEFAULTS,
  circuitBreaker,
  type CircuitBreakerOptions,
  type CircuitBreakerPolicy,
  type CircuitState,
  IsolatedCircuitError,
  isBrokenCircuitError,
  pipeline,
  RateLimitedError,
  timeout,
  TimeoutError,
} from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';
import { deferred } from '../support/async.js';

const boom = new Error('boom');
const ok = (): string => 'ok';
const fail = (): never => {
  throw boom;
};
const never = <T>(): Promise<T> => new Promise<T>(() => {});
const swallow = (): void => {};

async function run(b: CircuitBreakerPolicy, outcomes: string): Promise<void> {
  for (const c of outcomes) {
    if (c === 'S') await b.execute(ok);
    else await b.execute(fail).catch(swallow);
  }
}

function setup(options: CircuitBreakerOptions = {}) {
  const clock = new VirtualClock(1_000);
  const breaker = circuitBreaker({ clock, ...options });
  const changes: { from: CircuitState; to: CircuitState; reason: string }[] = [];
  breaker.on('stateChange', ({ from, to, reason }) => changes.push({ from, to, reason }));
  return { clock, breaker, changes };
}

const consecutive = (failures: number) => ({ kind: 'consecutive' as const, failures });
const count = (size: number) => ({ kind: 'count' as const, size });

let warn: ReturnType<typeof vi.spyOn>;
beforeEach(() => {
  warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
});
afterEach(() => {
  warn.mockRestore();
  vi.restoreAllMocks();
});

describe('circuitBreaker: defaults', () => {
  it('pins every default constant', () => {
    expect(CIRCUIT_BREAKER_DEFAULTS).toEqual({
      window: { kind: 'time', ms: 10_000, buckets: 10 },
      failureRate: 0.5,
      minimumCalls: 20,
      openFor: 10_000,
      halfOpen: { probes: 1, maxWait: 30_000 },
    });
    expect(Object.isFrozen(CIRCUIT_BREAKER_DEFAULTS)).toBe(true);
    expect(circuitBreaker().name).toBe('circuitBreaker');
  });

  it('by default decides on 20 calls over a 10 s window at a 50% failure rate', async () => {
    const { breaker, changes } = setup();
    await run(breaker, 'S'.repeat(10) + 'F'.repeat(9));
    expect(breaker.state).toBe('closed');
    expect(breaker.stats).toEqual({ calls: 19, failures: 9, slowCalls: 0, failureRate: 9 / 19, slowCallRate: 0 });
    await run(breaker, 'F');
    expect(breaker.state).toBe('open');
    expect(changes).toEqual([{ from: 'closed', to: 'open', reason: 'failureRate' }]);
  });

  it('by default stays open 10 s and lets one probe through, which has 30 s to settle', async () => {
    const { clock, breaker, changes } = setup({ window: consecutive(1) });
    await run(breaker, 'F');
    await clock.advance(9_999);
    expect(breaker.state).toBe('open');
    await clock.advance(1);
    expect(breaker.state).toBe('halfOpen');
    void breaker.execute(never);
    await expect(breaker.execute(ok)).rejects.toBeInstanceOf(BrokenCircuitError);
    await clock.advance(29_999);
    expect(breaker.state).toBe('halfOpen');
    await clock.advance(1);
    expect(breaker.state).toBe('open');
    expect(changes.map((c) => c.reason)).toEqual(['consecutiveFailures', 'openElapsed', 'probeFailed']);
    expect(clock.pending).toBe(0);
  });
});

describe('circuitBreaker: windows', () => {
  it('consecutive: opens after that many failures in a row; any success resets the count', async () => {
    const { breaker } = setup({ window: consecutive(3) });
    await run(breaker, 'FFSFF');
    expect(breaker.state).toBe('closed');
    expect(breaker.stats.failures).toBe(2);
    await run(breaker, 'F');
    expect(breaker.state).toBe('open');
    expect(breaker.stats).toMatchObject({ calls: 3, failures: 3, failureRate: 1 });
  });

  it('count: does not decide one call below minimumCalls, and decides at it', async () => {
    const { breaker } = setup({ window: count(10), minimumCalls: 5 });
    await run(breaker, 'FFFF');
    expect(breaker.state).toBe('closed');
    await run(breaker, 'F');
    expect(breaker.state).toBe('open');
  });

  it('count: a success can bring the window to minimumCalls and open it', async () => {
    const { breaker } = setup({ window: count(10), minimumCalls: 5 });
    await run(breaker, 'FFFFS');
    expect(breaker.state).toBe('open');
  });

  it('count: a failure rate exactly at the threshold opens', async () => {
    const { breaker, changes } = setup({ window: count(10), minimumCalls: 10, failureRate: 0.3 });
    await run(breaker, 'SSSSSSSFF');
    expect(breaker.state).toBe('closed');
    await run(breaker, 'F');
    expect(breaker.stats.failureRate).toBe(0.3);
    expect(breaker.state).toBe('open');
    expect(changes).toEqual([{ from: 'closed', to: 'open', reason: 'failureRate' }]);
  });

  it('count: the ring forgets the oldest call', async () => {
    const { breaker } = setup({ window: count(4), minimumCalls: 4, failureRate: 0.75 });
    await run(breaker, 'FFSS');
    await run(breaker, 'SS');
    expect(breaker.stats).toMatchObject({ calls: 4, failures: 0 });
    await run(breaker, 'FFF');
    expect(breaker.state).toBe('open');
  });

  it('count: the default minimumCalls is capped at the window size; an explicit larger one is rejected', async () => {
    const { breaker } = setup({ window: count(5) });
    await run(breaker, 'FFFFF');
    expect(breaker.state).toBe('open');
    expect(() => circuitBreaker({ window: count(5), minimumCalls: 6 })).toThrow(
      new RangeError('circuitBreaker: minimumCalls must be at most window.size (5), got 6'),
    );
  });

  it('time: forgets a bucket once the window has moved past it', async () => {
    const { clock, breaker } = setup({
      window: { kind: 'time', ms: 1_000, buckets: 10 },
      minimumCalls: 1,
      failureRate: 1,
    });
    await clock.advance(50); // t = 1050, bucket 10 (covers 1000..1099)
    await run(breaker, 'S');
    await clock.advance(949); // t = 1999, bucket 19: buckets 10..19 are live
    expect(breaker.stats.calls).toBe(1);
    await clock.advance(1); // t = 2000, bucket 20: bucket 10 drops out
    expect(breaker.stats.calls).toBe(0);
  });

  it('time: a clock jump far past the window empties it and later calls count afresh', async () => {
    const { clock, breaker } = setup({ window: { kind: 'time', ms: 1_000, buckets: 4 }, minimumCalls: 4 });
    await run(breaker, 'FFF');
    await clock.advance(1e12);
    expect(breaker.stats).toEqual({ calls: 0, failures: 0, slowCalls: 0, failureRate: 0, slowCallRate: 0 });
    await run(breaker, 'F');
    expect(breaker.state).toBe('closed');
    await run(breaker, 'FFF');
    expect(breaker.state).toBe('open');
  });

  it('time: keeps one entry per bucket, not per call', async () => {
    const { clock, breaker } = setup({ window: { kind: 'time', ms: 1_000, buckets: 5 }, minimumCalls: 1_000_000 });
    for (let i = 0; i < 3_000; i++) {
      await breaker.execute(ok);
      if (i % 100 === 0) await clock.advance(130);
    }
    const snap = breaker.snapshot();
    expect(snap.window.kind).toBe('time');
    if (snap.window.kind === 'time') expect(snap.window.data.length).toBeLessThanOrEqual(5);
  });

  it('slowCall: opens when the slow-call rate reaches its threshold; a call of exactly ms is slow', async () => {
    const { clock, breaker, changes } = setup({ window: count(4), minimumCalls: 4, slowCall: { ms: 100, rate: 0.5 } });
    const slowCall = async (ms: number) => {
      const p = breaker.execute(() => new Promise<string>((r) => clock.setTimeout(() => r('late'), ms)));
      await clock.advance(ms);
      await p;
    };
    await run(breaker, 'SS');
    await slowCall(99);
    expect(breaker.stats.slowCalls).toBe(0);
    expect(breaker.state).toBe('closed');
    await slowCall(100);
    expect(breaker.stats.slowCalls).toBe(1);
    await slowCall(150);
    expect(breaker.state).toBe('open');
    expect(changes).toEqual([{ from: 'closed', to: 'open', reason: 'slowCallRate' }]);
  });

  it('slowCall needs a rate window', () => {
    expect(() => circuitBreaker({ window: consecutive(2), slowCall: { ms: 10, rate: 0.5 } })).toThrow(
      new TypeError('circuitBreaker: slowCall needs a "count" or "time" window, got window.kind "consecutive"'),
    );
  });

  it('opening keeps the window; closing empties it', async () => {
    const { clock, breaker } = setup({ window: count(4), minimumCalls: 4, openFor: 100 });
    await run(breaker, 'SFFF');
    expect(breaker.state).toBe('open');
    expect(breaker.stats).toMatchObject({ calls: 4, failures: 3 });
    await clock.advance(100);
    await run(breaker, 'S');
    expect(breaker.state).toBe('closed');
    expect(breaker.stats.calls).toBe(0);
  });
});

describe('circuitBreaker: open and half-open', () => {
  it('rejects at once with BrokenCircuitError whose retryAfter is the time left open', async () => {
    const { clock, breaker } = setup({ window: consecutive(1), openFor: 5_000 });
    const rejected: unknown[] = [];
    breaker.on('rejected', (e) => rejected.push(e));
    await run(breaker, 'F');
    await clock.advance(1_200);
    const fn = vi.fn(ok);
    const error = await breaker.execute(fn, { key: 'k', correlationId: 'c' }).catch((e: unknown) => e);
    expect(fn).not.toHaveBeenCalled();
    expect(isBrokenCircuitError(error)).toBe(true);
    expect(error).toMatchObject({ name: 'BrokenCircuitError', retryAfter: 3_800, executed: false });
    expect(rejected).toEqual([{ state: 'open', policy: 'circuitBreaker', key: 'k', correlationId: 'c', at: 2_200 }]);
  });

  it('builds its rejection without capturing a stack trace', async () => {
    const { breaker } = setup({ window: consecutive(1) });
    await run(breaker, 'F');
    const limit = Error.stackTraceLimit;
    const error = (await breaker.execute(ok).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(BrokenCircuitError);
    expect(error.stack).not.toMatch(/\n\s+at /);
    expect(Error.stackTraceLimit).toBe(limit); // restored
    expect(new Error('x').stack).toMatch(/\n\s+at /);
  });

  it('reads half-open at exactly openFor, lazily, with no timer held', async () => {
    const { clock, breaker, changes } = setup({ window: consecutive(1), openFor: 500 });
    await run(breaker, 'F');
    expect(clock.pending).toBe(0);
    await clock.advance(500);
    expect(changes).toHaveLength(1); // nothing happens until someone looks
    expect(breaker.state).toBe('halfOpen');
    expect(changes[1]).toEqual({ from: 'open', to: 'halfOpen', reason: 'openElapsed' });
  });

  it('the next call after openFor notices the elapsed state and runs as a probe', async () => {
    const { clock, breaker, changes } = setup({ window: consecutive(1), openFor: 500 });
    await run(breaker, 'F');
    await clock.advance(600);
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    expect(changes.map((c) => c.reason)).toEqual(['consecutiveFailures', 'openElapsed', 'probesSucceeded']);
    expect(breaker.state).toBe('closed');
  });

  it('admits at most `probes` calls at once, rejects extra callers at once, and closes after that many successes', async () => {
    const { clock, breaker, changes } = setup({
      window: count(4),
      minimumCalls: 1,
      openFor: 100,
      halfOpen: { probes: 2 },
    });
    const rejected: string[] = [];
    breaker.on('rejected', (e) => rejected.push(e.state));
    await run(breaker, 'F');
    await clock.advance(100);
    const a = deferred();
    const b = deferred();
    const pa = breaker.execute(() => a.promise);
    const pb = breaker.execute(() => b.promise);
    const extra = await breaker.execute(ok).catch((e: unknown) => e);
    expect(extra).toBeInstanceOf(BrokenCircuitError);
    expect((extra as BrokenCircuitError).retryAfter).toBe(0);
    expect(rejected).toEqual(['halfOpen']);
    a.resolve('a');
    await pa;
    expect(breaker.state).toBe('halfOpen');
    // a's place is free again: a third probe may run while b is out
    const c = deferred();
    const pc = breaker.execute(() => c.promise);
    b.resolve('b');
    await pb;
    expect(breaker.state).toBe('closed');
    expect(breaker.stats.calls).toBe(0);
    c.reject(boom);
    await pc.catch(swallow);
    expect(breaker.state).toBe('closed'); // a probe of a past half-open period decides nothing
    expect(changes.map((x) => x.reason)).toEqual(['failureRate', 'openElapsed', 'probesSucceeded']);
  });

  it('reopens on any probe failure, and openFor grows with the opens in a row', async () => {
    const seen: number[] = [];
    const { clock, breaker, changes } = setup({
      window: consecutive(1),
      openFor: (n) => {
        seen.push(n);
        return 100 * 2 ** (n - 1);
      },
    });
    await run(breaker, 'F');
    await clock.advance(100);
    await run(breaker, 'F'); // probe fails
    expect(breaker.state).toBe('open');
    await clock.advance(199);
    expect(breaker.state).toBe('open');
    await clock.advance(1);
    await run(breaker, 'F');
    await clock.advance(400);
    await run(breaker, 'S');
    expect(breaker.state).toBe('closed');
    await run(breaker, 'F');
    expect(seen).toEqual([1, 2, 3, 1]);
    expect(changes.filter((c) => c.to === 'open').map((c) => c.reason)).toEqual([
      'consecutiveFailures',
      'probeFailed',
      'probeFailed',
      'consecutiveFailures',
    ]);
  });

  it('a slow probe counts as a failed probe', async () => {
    const { clock, breaker } = setup({ window: count(2), minimumCalls: 1, openFor: 10, slowCall: { ms: 50, rate: 1 } });
    await run(breaker, 'F');
    await clock.advance(10);
    const p = breaker.execute(() => new Promise<string>((r) => clock.setTimeout(() => r('slow'), 60)));
    await clock.advance(60);
    await p;
    expect(breaker.state).toBe('open');
  });

  it('peers: a hung probe cannot wedge half-open; after maxWait it counts as a failure', async () => {
    const { clock, breaker, changes } = setup({ window: consecutive(1), openFor: 100, halfOpen: { maxWait: 1_000 } });
    await run(breaker, 'F');
    await clock.advance(100);
    void breaker.execute(never);
    await clock.advance(1_000 + 100);
    // The probe expired at +1000 (reopened, open until +1100): it reads half-open again now.
    expect(breaker.state).toBe('halfOpen');
    expect(changes.map((c) => c.reason)).toEqual(['consecutiveFailures', 'openElapsed', 'probeFailed', 'openElapsed']);
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
  });

  it('peers: a probe whose caller aborts frees its place at once and leaves no listener', async () => {
    const { clock, breaker } = setup({ window: consecutive(1), openFor: 100 });
    await run(breaker, 'F');
    await clock.advance(100);
    const ac = new AbortController();
    const hung = breaker.execute(never, { signal: ac.signal });
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(1);
    const reason = new Error('caller gave up');
    ac.abort(reason);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
    await expect(hung).rejects.toBe(reason);
    expect(breaker.state).toBe('halfOpen');
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
  });

  it('peers: a probe that settles removes its abort listener', async () => {
    const { clock, breaker } = setup({ window: consecutive(1), openFor: 100 });
    await run(breaker, 'F');
    await clock.advance(100);
    const ac = new AbortController();
    await breaker.execute(ok, { signal: ac.signal });
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
  });

  it('peers: a probe that ends in an ignored error frees its place; one that failOn lets pass closes', async () => {
    const { clock, breaker } = setup({
      window: consecutive(1),
      openFor: 100,
      failOn: (o) => !(o.ok === false && o.error instanceof TypeError),
    });
    await run(breaker, 'F');
    await clock.advance(100);
    await expect(breaker.execute(() => Promise.reject(new BulkheadRejectedError('full')))).rejects.toBeInstanceOf(
      BulkheadRejectedError,
    );
    expect(breaker.state).toBe('halfOpen');
    await expect(breaker.execute(() => Promise.reject(new TypeError('404')))).rejects.toBeInstanceOf(TypeError);
    expect(breaker.state).toBe('closed');
  });

  it('calls that started before the breaker opened are recorded but never open it a second time', async () => {
    const { clock, breaker, changes } = setup({ window: count(10), minimumCalls: 1, openFor: 0 });
    const pending = [deferred(), deferred(), deferred()];
    const calls = pending.map((d) => breaker.execute(() => d.promise).catch(swallow));
    await run(breaker, 'F');
    expect(breaker.state).toBe('halfOpen');
    for (const d of pending) d.reject(boom);
    await Promise.all(calls);
    expect(breaker.state).toBe('halfOpen');
    expect(breaker.stats.failures).toBe(4);
    expect(changes.map((c) => c.reason)).toEqual(['failureRate', 'openElapsed']);
    await clock.advance(1);
    await run(breaker, 'S');
    expect(breaker.state).toBe('closed');
  });
});

describe('circuitBreaker: calls from an earlier window', () => {
  it('a call that started before the breaker closed again is not recorded in the new window', async () => {
    const { clock, breaker, changes } = setup({ window: count(2), minimumCalls: 2, openFor: 10 });
    const old = deferred();
    const oldCall = breaker.execute(() => old.promise).catch(swallow);
    await run(breaker, 'FF');
    await clock.advance(10);
    await run(breaker, 'S'); // the probe closes it with an empty window
    old.reject(boom);
    await oldCall;
    expect(breaker.stats.calls).toBe(0);
    await run(breaker, 'S'); // had the old failure counted, 1 of 2 would open it
    expect(breaker.state).toBe('closed');
    expect(changes.map((c) => c.reason)).toEqual(['failureRate', 'openElapsed', 'probesSucceeded']);
  });

  it('a call that started before reset() is not recorded', async () => {
    const { breaker } = setup({ window: consecutive(1) });
    const old = deferred();
    const oldCall = breaker.execute(() => old.promise).catch(swallow);
    breaker.reset();
    old.reject(boom);
    await oldCall;
    expect(breaker.state).toBe('closed');
  });
});

describe('circuitBreaker: what counts', () => {
  it('a TimeoutError from a timeout inside counts as a failure', async () => {
    const clock = new VirtualClock();
    const breaker = circuitBreaker({ clock, window: consecutive(1) });
    const p = pipeline(breaker, timeout(100, { clock })).execute(never);
    await clock.advance(100);
    await expect(p).rejects.toBeInstanceOf(TimeoutError);
    expect(breaker.state).toBe('open');
  });

  it("the caller's abort counts as neither", async () => {
    const { breaker } = setup({ window: consecutive(1) });
    const events: string[] = [];
    breaker.on('success', () => events.push('success'));
    breaker.on('failure', () => events.push('failure'));
    const ac = new AbortController();
    const p = breaker.execute(
      ({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
      {
        signal: ac.signal,
      },
    );
    const reason = new Error('user left');
    ac.abort(reason);
    await expect(p).rejects.toBe(reason);
    expect(breaker.state).toBe('closed');
    expect(breaker.stats.calls).toBe(0);
    expect(events).toEqual([]);
  });

  it('a call whose caller already aborted is rejected with the reason and never runs', async () => {
    const { breaker } = setup();
    const ac = new AbortController();
    ac.abort('gone');
    const fn = vi.fn(ok);
    await expect(breaker.execute(fn, { signal: ac.signal })).rejects.toBe('gone');
    expect(fn).not.toHaveBeenCalled();
  });

  it.each([
    ['BulkheadRejectedError', new BulkheadRejectedError('full')],
    ['RateLimitedError', new RateLimitedError(10)],
    ['BrokenCircuitError of an inner breaker', new BrokenCircuitError(10)],
    ['any error with executed === false', Object.assign(new Error('not sent'), { executed: false })],
  ])('peers: %s (executed === false) counts as neither', async (_name, error) => {
    const { breaker } = setup({ window: consecutive(1) });
    await expect(breaker.execute(() => Promise.reject(error))).rejects.toBe(error);
    expect(breaker.state).toBe('closed');
    expect(breaker.stats.calls).toBe(0);
  });

  it('an error that failOn lets pass counts as a success; a value it flags counts as a failure', async () => {
    const outcomes: unknown[] = [];
    const { breaker } = setup({
      window: consecutive(2),
      failOn: (o) => {
        outcomes.push(o);
        return o.ok ? o.value === 'bad' : !(o.error instanceof RangeError);
      },
    });
    const events: unknown[] = [];
    breaker.on('success', () => events.push('success'));
    breaker.on('failure', (e) => events.push(e.error));
    await breaker.execute(fail).catch(swallow);
    await breaker.execute(() => Promise.reject(new RangeError('404'))).catch(swallow);
    await breaker.execute(fail).catch(swallow);
    expect(breaker.state).toBe('closed');
    await breaker.execute(() => 'bad');
    expect(breaker.state).toBe('open');
    expect(events).toEqual([boom, 'success', boom, 'bad']);
    expect(outcomes[0]).toEqual({ ok: false, error: boom });
  });

  it('a failOn that throws is reported and treated as false (the dependency answered)', async () => {
    const { breaker } = setup({
      window: consecutive(1),
      failOn: () => {
        throw new Error('bad predicate');
      },
    });
    await breaker.execute(ok);
    expect(breaker.state).toBe('closed');
    await breaker.execute(fail).catch(swallow);
    expect(breaker.state).toBe('closed');
    expect(warn).toHaveBeenCalledTimes(2);
  });

  it('success and failure events carry durationMs', async () => {
    const { clock, breaker } = setup({ window: consecutive(5) });
    const events: unknown[] = [];
    breaker.on('success', (e) => events.push(['success', e.durationMs]));
    breaker.on('failure', (e) => events.push(['failure', e.error, e.durationMs]));
    const p = breaker.execute(() => new Promise<string>((r) => clock.setTimeout(() => r('x'), 40)));
    await clock.advance(40);
    await p;
    await run(breaker, 'F');
    expect(events).toEqual([
      ['success', 40],
      ['failure', boom, 0],
    ]);
  });
});

describe('circuitBreaker: isolate and reset', () => {
  it('isolate holds it open until every handle is released; release is idempotent per handle', async () => {
    const { breaker, changes } = setup({ window: consecutive(5) });
    await run(breaker, 'FF');
    const h1 = breaker.isolate();
    const h2 = breaker.isolate();
    expect(breaker.state).toBe('isolated');
    const error = await breaker.execute(ok).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IsolatedCircuitError);
    expect(error).toMatchObject({ executed: false });
    h1.release();
    h1.release();
    expect(breaker.state).toBe('isolated');
    h2.release();
    expect(breaker.state).toBe('closed');
    expect(breaker.stats.calls).toBe(0);
    expect(changes).toEqual([
      { from: 'closed', to: 'isolated', reason: 'isolated' },
      { from: 'isolated', to: 'closed', reason: 'released' },
    ]);
  });

  it('reset closes from any state, empties the window, and voids isolation handles', async () => {
    const { breaker, changes } = setup({ window: consecutive(1) });
    const h = breaker.isolate();
    breaker.reset();
    expect(breaker.state).toBe('closed');
    await run(breaker, 'F');
    expect(breaker.state).toBe('open');
    const h2 = breaker.isolate();
    h.release(); // void since the reset
    expect(breaker.state).toBe('isolated');
    h2.release();
    expect(breaker.state).toBe('closed');
    await run(breaker, 'S');
    breaker.reset(); // closed already: no event, but the window is emptied
    expect(changes.map((c) => c.reason)).toEqual(['isolated', 'reset', 'consecutiveFailures', 'isolated', 'released']);
  });

  it('reset empties a closed window', async () => {
    const { breaker } = setup({ window: count(5) });
    await run(breaker, 'SSF');
    breaker.reset();
    expect(breaker.stats.calls).toBe(0);
  });
});

describe('circuitBreaker: snapshot', () => {
  it.each([
    ['consecutive', consecutive(3)],
    ['count', count(5)],
    ['time', { kind: 'time' as const, ms: 1_000, buckets: 4 }],
  ])('round-trips through JSON.stringify (%s window)', async (_kind, window) => {
    const { clock, breaker } = setup({ window, minimumCalls: 3, openFor: 5_000 });
    await run(breaker, 'SSF');
    await clock.advance(300);
    await run(breaker, 'FF');
    expect(breaker.state).toBe('open');
    await clock.advance(1_000);
    const json = JSON.stringify(breaker.snapshot());
    const snap = JSON.parse(json);
    expect(snap).toMatchObject({ version: 1, state: 'open', opens: 1, retryAfter: 4_000 });
    // Another process whose clock reads something else entirely.
    const clock2 = new VirtualClock(77_777);
    const restored = circuitBreaker({ clock: clock2, window, minimumCalls: 3, openFor: 5_000, initialState: snap });
    expect(restored.state).toBe('open');
    expect(restored.stats).toEqual(breaker.stats);
    expect(restored.snapshot()).toEqual(snap);
    await clock2.advance(3_999);
    expect(restored.state).toBe('open');
    await clock2.advance(1);
    expect(restored.state).toBe('halfOpen');
  });

  it('restores each state; an isolated snapshot stays isolated until reset', () => {
    for (const state of ['closed', 'halfOpen', 'isolated'] as const) {
      const b = circuitBreaker({
        initialState: {
          version: 1,
          state,
          opens: 2,
          retryAfter: 0,
          window: { kind: 'time', ms: 10_000, buckets: 10, data: [] },
        },
      });
      expect(b.state).toBe(state);
    }
    const b = circuitBreaker({
      initialState: {
        version: 1,
        state: 'isolated',
        opens: 0,
        retryAfter: 0,
        window: { kind: 'consecutive', failures: 0 },
      },
    });
    b.reset();
    expect(b.state).toBe('closed');
  });

  it('restores the state but starts an empty window when the window options changed', async () => {
    const { breaker } = setup({ window: count(5), minimumCalls: 5 });
    await run(breaker, 'FFFFF');
    const snap = JSON.parse(JSON.stringify(breaker.snapshot()));
    const restored = circuitBreaker({ window: count(6), minimumCalls: 5, initialState: snap });
    expect(restored.state).toBe('open');
    expect(restored.stats.calls).toBe(0);
  });

  const valid = {
    version: 1,
    state: 'closed',
    opens: 0,
    retryAfter: 0,
    window: { kind: 'count', size: 3, outcomes: '01' },
  };
  it.each([
    ['not an object', 'x', TypeError, 'circuitBreaker: initialState must be an object, got "x"'],
    ['a wrong version', { ...valid, version: 2 }, RangeError, 'circuitBreaker: initialState.version must be 1, got 2'],
    [
      'an unknown state',
      { ...valid, state: 'ajar' },
      RangeError,
      'initialState.state must be one of "closed", "open", "halfOpen", "isolated", got "ajar"',
    ],
    [
      'negative opens',
      { ...valid, opens: -1 },
      RangeError,
      'initialState.opens must be an integer in [0, 9007199254740991], got -1',
    ],
    [
      'a NaN retryAfter',
      { ...valid, retryAfter: null },
      TypeError,
      'initialState.retryAfter must be a finite number >= 0, got null',
    ],
    [
      'a bad outcome digit',
      { ...valid, window: { kind: 'count', size: 3, outcomes: '019' } },
      RangeError,
      'initialState.window.outcomes',
    ],
    ['too many outcomes', { ...valid, window: { kind: 'count', size: 1, outcomes: '01' } }, RangeError, 'got "01"'],
    [
      'an unknown window',
      { ...valid, window: { kind: 'sliding' } },
      RangeError,
      'initialState.window.kind must be one of',
    ],
    [
      'buckets out of order',
      {
        ...valid,
        window: {
          kind: 'time',
          ms: 100,
          buckets: 4,
          data: [
            [1, 1, 0, 0],
            [2, 1, 0, 0],
          ],
        },
      },
      RangeError,
      'initialState.window.data[1][0] must be an integer in [0, 0], got 2',
    ],
    [
      'more failures than calls',
      { ...valid, window: { kind: 'time', ms: 100, buckets: 4, data: [[1, 1, 2, 0]] } },
      RangeError,
      'initialState.window.data[0][2] must be an integer in [0, 1], got 2',
    ],
  ])('rejects a snapshot with %s', (_what, initialState, type, message) => {
    expect(() => circuitBreaker({ window: count(3), initialState: initialState as never })).toThrow(type);
    expect(() => circuitBreaker({ window: count(3), initialState: initialState as never })).toThrow(message);
  });
});

describe('circuitBreaker: events', () => {
  it('stateChange payloads carry the common fields of the call that caused them', async () => {
    const { breaker } = setup({ window: consecutive(1) });
    const payloads: unknown[] = [];
    breaker.on('stateChange', (e) => payloads.push(e));
    await breaker.execute(fail, { key: 'users', correlationId: 'r1' }).catch(swallow);
    expect(payloads).toEqual([
      {
        from: 'closed',
        to: 'open',
        reason: 'consecutiveFailures',
        policy: 'circuitBreaker',
        key: 'users',
        correlationId: 'r1',
        at: 1_000,
      },
    ]);
    expect(Object.isFrozen(payloads[0])).toBe(true);
  });

  it('peers: a throwing listener changes neither the outcome nor the state', async () => {
    const { breaker } = setup({ window: consecutive(1) });
    for (const event of ['stateChange', 'success', 'failure', 'rejected'] as const) {
      breaker.on(event, () => {
        throw new Error(`listener of ${event}`);
      });
    }
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    await expect(breaker.execute(fail)).rejects.toBe(boom);
    expect(breaker.state).toBe('open');
    await expect(breaker.execute(ok)).rejects.toBeInstanceOf(BrokenCircuitError);
    expect(warn).toHaveBeenCalledTimes(4);
  });

  it('a listener that resets the breaker on open sees the committed state', async () => {
    const { breaker } = setup({ window: consecutive(1) });
    const seen: string[] = [];
    breaker.on('stateChange', ({ to }) => {
      seen.push(`${to}:${breaker.state}`);
      if (to === 'open') breaker.reset();
    });
    await run(breaker, 'F');
    expect(seen).toEqual(['open:open', 'closed:closed']);
    expect(breaker.state).toBe('closed');
  });
});

describe('circuitBreaker: options', () => {
  it('peers: an explicit 0 is honoured (openFor, minimumCalls, slowCall.ms)', async () => {
    const { breaker } = setup({ window: count(3), minimumCalls: 0, openFor: 0, slowCall: { ms: 0, rate: 1 } });
    await run(breaker, 'S');
    expect(breaker.stats.slowCalls).toBe(1); // every call takes >= 0 ms
    expect(breaker.state).toBe('halfOpen'); // opened on one call, open for 0 ms
  });

  it('an openFor function that throws or returns garbage falls back to the default and is reported', async () => {
    for (const openFor of [
      () => NaN,
      () => -1,
      () => Infinity,
      () => {
        throw new Error('x');
      },
    ]) {
      const { clock, breaker } = setup({ window: consecutive(1), openFor });
      await run(breaker, 'F');
      await clock.advance(9_999);
      expect(breaker.state).toBe('open');
      await clock.advance(1);
      expect(breaker.state).toBe('halfOpen');
    }
    expect(warn).toHaveBeenCalledTimes(4);
  });

  it('accepts maxWait Infinity: a hung probe then waits forever', async () => {
    const { clock, breaker } = setup({ window: consecutive(1), openFor: 1, halfOpen: { maxWait: Infinity } });
    await run(breaker, 'F');
    await clock.advance(1);
    void breaker.execute(never);
    await clock.advance(1e9);
    expect(breaker.state).toBe('halfOpen');
  });

  it.each<[string, unknown, ErrorConstructor, string]>([
    ['options', 5, TypeError, 'circuitBreaker: options must be an object, got 5'],
    ['window', 'time', TypeError, 'circuitBreaker: window must be an object with a kind, got "time"'],
    [
      'window.kind',
      { kind: 'sliding' },
      RangeError,
      'circuitBreaker: window.kind must be one of "consecutive", "count", "time", got "sliding"',
    ],
    [
      'window.failures',
      { kind: 'consecutive', failures: 0 },
      RangeError,
      'circuitBreaker: window.failures must be an integer >= 1, got 0',
    ],
    [
      'window.failures',
      { kind: 'consecutive', failures: 1.5 },
      RangeError,
      'circuitBreaker: window.failures must be an integer >= 1, got 1.5',
    ],
    [
      'window.size',
      { kind: 'count', size: 0 },
      RangeError,
      'circuitBreaker: window.size must be an integer >= 1, got 0',
    ],
    ['window.size', { kind: 'count' }, TypeError, 'circuitBreaker: window.size must be an integer >= 1, got undefined'],
    [
      'window.ms',
      { kind: 'time', ms: 0 },
      RangeError,
      'circuitBreaker: window.ms must be a positive finite number, got 0',
    ],
    [
      'window.ms',
      { kind: 'time', ms: Infinity },
      RangeError,
      'circuitBreaker: window.ms must be a positive finite number, got Infinity',
    ],
    [
      'window.buckets',
      { kind: 'time', ms: 10, buckets: 0 },
      RangeError,
      'circuitBreaker: window.buckets must be an integer >= 1, got 0',
    ],
    [
      'window.buckets',
      { kind: 'time', ms: 10, buckets: 10_001 },
      RangeError,
      'circuitBreaker: window.buckets must be at most 10000, got 10001',
    ],
  ])('rejects a bad %s', (_name, window, type, message) => {
    const make = () =>
      _name === 'options' ? circuitBreaker(window as never) : circuitBreaker({ window: window as never });
    expect(make).toThrow(type);
    expect(make).toThrow(message);
  });

  it.each<[string, CircuitBreakerOptions, ErrorConstructor, string]>([
    ['failureRate', { failureRate: 0 }, RangeError, 'circuitBreaker: failureRate must be a number in (0, 1], got 0'],
    [
      'failureRate',
      { failureRate: 1.01 },
      RangeError,
      'circuitBreaker: failureRate must be a number in (0, 1], got 1.01',
    ],
    [
      'failureRate',
      { failureRate: NaN },
      RangeError,
      'circuitBreaker: failureRate must be a number in (0, 1], got NaN',
    ],
    [
      'failureRate',
      { failureRate: '0.5' as never },
      TypeError,
      'circuitBreaker: failureRate must be a number in (0, 1], got "0.5"',
    ],
    [
      'failureRate (consecutive window)',
      { window: consecutive(2), failureRate: 2 },
      RangeError,
      'failureRate must be a number in (0, 1], got 2',
    ],
    ['minimumCalls', { minimumCalls: -1 }, RangeError, 'circuitBreaker: minimumCalls must be an integer >= 0, got -1'],
    [
      'minimumCalls',
      { minimumCalls: 2.5 },
      RangeError,
      'circuitBreaker: minimumCalls must be an integer >= 0, got 2.5',
    ],
    [
      'slowCall',
      { slowCall: 100 as never },
      TypeError,
      'circuitBreaker: slowCall must be an object { ms, rate }, got 100',
    ],
    [
      'slowCall.ms',
      { slowCall: { ms: -1, rate: 0.5 } },
      RangeError,
      'circuitBreaker: slowCall.ms must be a finite number >= 0, got -1',
    ],
    [
      'slowCall.rate',
      { slowCall: { ms: 1, rate: 0 } },
      RangeError,
      'circuitBreaker: slowCall.rate must be a number in (0, 1], got 0',
    ],
    [
      'slowCall.rate',
      { slowCall: { ms: 1 } as never },
      TypeError,
      'circuitBreaker: slowCall.rate must be a number in (0, 1], got undefined',
    ],
    ['openFor', { openFor: -1 }, RangeError, 'circuitBreaker: openFor must be a finite number >= 0, got -1'],
    [
      'openFor',
      { openFor: Infinity },
      RangeError,
      'circuitBreaker: openFor must be a finite number >= 0, got Infinity',
    ],
    [
      'openFor',
      { openFor: '10s' as never },
      TypeError,
      'circuitBreaker: openFor must be a finite number >= 0, got "10s"',
    ],
    [
      'halfOpen',
      { halfOpen: 2 as never },
      TypeError,
      'circuitBreaker: halfOpen must be an object { probes, maxWait }, got 2',
    ],
    [
      'halfOpen.probes',
      { halfOpen: { probes: 0 } },
      RangeError,
      'circuitBreaker: halfOpen.probes must be an integer >= 1, got 0',
    ],
    [
      'halfOpen.maxWait',
      { halfOpen: { maxWait: 0 } },
      RangeError,
      'circuitBreaker: halfOpen.maxWait must be a positive number, or Infinity, got 0',
    ],
    [
      'halfOpen.maxWait',
      { halfOpen: { maxWait: -5 } },
      RangeError,
      'circuitBreaker: halfOpen.maxWait must be a positive number, or Infinity, got -5',
    ],
    ['failOn', { failOn: true as never }, TypeError, 'circuitBreaker: failOn must be a function, got true'],
    ['name', { name: '' }, TypeError, 'circuitBreaker: name must be a non-empty string, got ""'],
    [
      'clock',
      { clock: {} as never },
      TypeError,
      'circuitBreaker: clock must be an object with now, setTimeout and clearTimeout, got an object',
    ],
  ])('rejects a bad %s', (_name, options, type, message) => {
    expect(() => circuitBreaker(options)).toThrow(type);
    expect(() => circuitBreaker(options)).toThrow(message);
  });
});

/** A call that takes `ms` on the virtual clock, then succeeds or fails. */
function takes(clock: VirtualClock, ms: number, fails = false): () => Promise<string> {
  return () =>
    new Promise<string>((resolve, reject) => {
      clock.setTimeout(() => (fails ? reject(boom) : resolve('ok')), ms);
    });
}

describe('circuitBreaker: initialState validation names the field and the value', () => {
  const valid = {
    version: 1,
    state: 'closed',
    opens: 0,
    retryAfter: 0,
    window: { kind: 'time', ms: 10_000, buckets: 10, data: [] },
  };
  const time = (w: object) => ({ ...valid, window: { kind: 'time', ms: 1_000, buckets: 10, data: [], ...w } });
  it.each([
    [{ ...valid, window: [] }, TypeError, 'initialState.window must be an object, got an array'],
    [{ ...valid, window: null }, TypeError, 'initialState.window must be an object, got null'],
    [{ ...valid, opens: '1' }, TypeError, 'initialState.opens must be an integer in [0, 9007199254740991], got "1"'],
    [{ ...valid, opens: 1.5 }, RangeError, 'initialState.opens must be an integer in [0, 9007199254740991], got 1.5'],
    [
      { ...valid, window: { kind: 'consecutive', failures: -1 } },
      RangeError,
      'initialState.window.failures must be an integer in [0, 9007199254740991], got -1',
    ],
    [
      { ...valid, window: { kind: 'count', size: 0, outcomes: '' } },
      RangeError,
      'initialState.window.size must be an integer in [1, 9007199254740991], got 0',
    ],
    [
      { ...valid, window: { kind: 'count', size: 3, outcomes: 5 } },
      TypeError,
      'initialState.window.outcomes must be a string of at most 3 digits 0-3, got 5',
    ],
    [
      { ...valid, window: { kind: 'count', size: 2, outcomes: '000' } },
      RangeError,
      'initialState.window.outcomes must be a string of at most 2 digits 0-3, got "000"',
    ],
    // A non-number ms is a RangeError today where every other wrong type is a TypeError: only the message is pinned.
    [time({ ms: '5' }), TypeError, 'initialState.window.ms must be a positive finite number, got "5"'],
    [time({ ms: 0 }), RangeError, 'initialState.window.ms must be a positive finite number, got 0'],
    [time({ ms: Infinity }), RangeError, 'initialState.window.ms must be a positive finite number, got Infinity'],
    [time({ buckets: 0 }), RangeError, 'initialState.window.buckets must be an integer in [1, 10000], got 0'],
    [time({ data: {} }), TypeError, 'initialState.window.data must be an array of at most 10 buckets, got an object'],
    [
      time({
        buckets: 1,
        data: [
          [0, 1, 0, 0],
          [0, 1, 0, 0],
        ],
      }),
      RangeError,
      'initialState.window.data must be an array of at most 1 buckets, got an array',
    ],
    [
      time({ data: [5] }),
      TypeError,
      'initialState.window.data[0] must be an array [age, calls, failures, slowCalls], got 5',
    ],
    [
      time({ data: [[0, 1, 0]] }),
      TypeError,
      'initialState.window.data[0] must be an array [age, calls, failures, slowCalls], got an array',
    ],
    [
      time({ data: [[0, 0, 0, 0]] }),
      RangeError,
      'initialState.window.data[0][1] must be an integer in [1, 9007199254740991], got 0',
    ],
    [time({ data: [[0, 1, 0, 2]] }), RangeError, 'initialState.window.data[0][3] must be an integer in [0, 1], got 2'],
    [
      { ...valid, state: 5 },
      RangeError,
      'initialState.state must be one of "closed", "open", "halfOpen", "isolated", got 5',
    ],
    [{ ...valid, retryAfter: -1 }, RangeError, 'initialState.retryAfter must be a finite number >= 0, got -1'],
    [
      { ...valid, retryAfter: Infinity },
      RangeError,
      'initialState.retryAfter must be a finite number >= 0, got Infinity',
    ],
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
      initialState: {
        version: 1,
        state: 'closed',
        opens: 0,
        retryAfter: 0,
        window: { kind: 'time', ms: 1_000, buckets: 2, data },
      } as never,
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
      initialState: {
        version: 1,
        state: 'closed',
        opens: 0,
        retryAfter: 0,
        window: { kind: 'time', ms: 1_000, buckets: 10, data },
      } as never,
    });
    expect(b.stats).toEqual({ calls: 7, failures: 2, slowCalls: 3, failureRate: 2 / 7, slowCallRate: 3 / 7 });
    expect(b.snapshot().window).toEqual({ kind: 'time', ms: 1_000, buckets: 10, data });
  });
});

describe('circuitBreaker: windows bucket by bucket and slot by slot', () => {
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
    const b = circuitBreaker({
      clock,
      window: { kind: 'time', ms: 1_000, buckets: 4 },
      minimumCalls: 10,
      slowCall: { ms: 20, rate: 1 },
    });
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
      initialState: {
        version: 1,
        state: 'closed',
        opens: 0,
        retryAfter: 0,
        window: { kind: 'time', ms: 1_000, buckets: 4, data: [[0, 2, 0, 0]] },
      },
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
      initialState: {
        version: 1,
        state: 'closed',
        opens: 0,
        retryAfter: 0,
        window: { kind: 'count', size: 2, outcomes: '22' },
      },
    });
    expect(b.stats).toMatchObject({ calls: 2, slowCalls: 2 });
    await b.execute(() => 'fast');
    expect(b.stats).toEqual({ calls: 2, failures: 0, slowCalls: 1, failureRate: 0, slowCallRate: 0.5 });
  });

  it.each<[string, CircuitBreakerOptions['window'], object]>([
    [
      'a consecutive window, a count snapshot',
      { kind: 'consecutive', failures: 3 },
      { kind: 'count', size: 2, outcomes: '11' },
    ],
    [
      'a count window, a count snapshot of another size',
      { kind: 'count', size: 3 },
      { kind: 'count', size: 5, outcomes: '11' },
    ],
    ['a count window, a consecutive snapshot', { kind: 'count', size: 3 }, { kind: 'consecutive', failures: 2 }],
    [
      'a time window, another ms',
      { kind: 'time', ms: 1_000, buckets: 4 },
      { kind: 'time', ms: 2_000, buckets: 4, data: [[0, 2, 2, 0]] },
    ],
    [
      'a time window, other buckets',
      { kind: 'time', ms: 1_000, buckets: 4 },
      { kind: 'time', ms: 1_000, buckets: 5, data: [[0, 2, 2, 0]] },
    ],
    [
      'a time window, a count snapshot',
      { kind: 'time', ms: 1_000, buckets: 4 },
      { kind: 'count', size: 2, outcomes: '11' },
    ],
  ])('%s: the window starts empty', (_what, window, snapshotWindow) => {
    const b = circuitBreaker({
      window,
      minimumCalls: window?.kind === 'consecutive' ? undefined : 1,
      initialState: { version: 1, state: 'closed', opens: 0, retryAfter: 0, window: snapshotWindow as never },
    });
    expect(b.stats).toEqual({ calls: 0, failures: 0, slowCalls: 0, failureRate: 0, slowCallRate: 0 });
  });
});

describe('circuitBreaker: the state machine at its edges', () => {
  it('reads "closed" for a breaker that never opened', () => {
    expect(circuitBreaker().state).toBe('closed');
  });

  it('a hung probe is timed from the oldest probe start', async () => {
    const clock = new VirtualClock();
    const b = circuitBreaker({
      clock,
      window: { kind: 'consecutive', failures: 1 },
      openFor: 100,
      halfOpen: { probes: 2, maxWait: 1_000 },
    });
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
      initialState: {
        version: 1,
        state: 'closed',
        opens: 3,
        retryAfter: 0,
        window: { kind: 'consecutive', failures: 0 },
      },
    });
    await b.execute(() => Promise.reject(boom)).catch(swallow);
    expect(asked).toEqual([1]);
    expect(b.snapshot().opens).toBe(1);
  });
});

describe('circuitBreaker: rejections carry no stack', () => {
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

describe('circuitBreaker: option edges', () => {
  it('window null is a TypeError that names the option', () => {
    expect(() => circuitBreaker({ window: null as never })).toThrow(TypeError);
    expect(() => circuitBreaker({ window: null as never })).toThrow(
      'circuitBreaker: window must be an object with a kind, got null',
    );
  });

  it('a time window without buckets uses 10; the most buckets allowed is 10,000', async () => {
    const clock = new VirtualClock();
    const b = circuitBreaker({ clock, window: { kind: 'time', ms: 1_000 }, minimumCalls: 100 });
    await b.execute(() => 'ok');
    expect(b.snapshot().window).toMatchObject({ kind: 'time', ms: 1_000, buckets: 10 });
    expect(circuitBreaker({ window: { kind: 'time', ms: 1_000, buckets: 10_000 } }).snapshot().window).toMatchObject({
      buckets: 10_000,
    });
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
    const zero = circuitBreaker({
      window: { kind: 'consecutive', failures: 1 },
      openFor: () => 0,
      clock: new VirtualClock(),
    });
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

describe('circuitBreaker: events and classification', () => {
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
