import Peer from 'opossum';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import Shim from '../../src/compat/opossum/index.js';

// The same script against opossum 10 and against the shim: the same observable results.
type Ctor = typeof Shim;
const libs: [string, Ctor][] = [
  ['opossum', Peer as unknown as Ctor],
  ['shim', Shim],
];

const passFail = (x: number): Promise<number> =>
  new Promise((resolve, reject) => setTimeout(() => (x > 0 ? resolve(x) : reject(new Error(`${x} is < 0`))), 10));

const breakers: { shutdown(): void }[] = [];
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  for (const b of breakers.splice(0)) b.shutdown();
  vi.useRealTimers();
});

describe.each(libs)('%s', (_name, CircuitBreaker) => {
  const make = (...args: ConstructorParameters<Ctor>): Shim => {
    const b = new CircuitBreaker(...args);
    breakers.push(b);
    return b;
  };

  it.each([
    ['timeout', 10_000],
    ['resetTimeout', 30_000],
    ['errorThresholdPercentage', 50],
    ['rollingCountTimeout', 10_000],
    ['rollingCountBuckets', 10],
    ['rollingPercentilesEnabled', true],
    ['capacity', Number.MAX_SAFE_INTEGER],
    ['enableSnapshots', true],
  ])('defaults %s to %s', (key, value) => {
    expect(make(passFail).options[key]).toBe(value);
  });

  it('names, groups, getters, volumeThreshold and warmUp defaults', () => {
    const b = make(passFail);
    expect(b.name).toBe('passFail');
    expect(b.group).toBe('passFail');
    expect([
      b.closed,
      b.opened,
      b.halfOpen,
      b.pendingClose,
      b.enabled,
      b.warmUp,
      b.volumeThreshold,
      b.isShutdown,
    ]).toEqual([true, false, false, false, true, false, 0, false]);
    expect(make(passFail, { name: 'n', group: 'g' }).group).toBe('g');
  });

  it('opens at more than errorThresholdPercentage, rejects with EOPENBREAKER, half-opens after resetTimeout, closes on a trial success', async () => {
    const b = make(passFail, { errorThresholdPercentage: 40, resetTimeout: 100 });
    const events: string[] = [];
    for (const e of ['fire', 'success', 'failure', 'reject', 'open', 'close', 'halfOpen', 'fallback', 'timeout'])
      b.on(e, () => events.push(e));
    const ok = b.fire(1);
    await vi.advanceTimersByTimeAsync(10);
    expect(await ok).toBe(1);
    const bad = b.fire(-1).catch((e: Error) => e.message);
    await vi.advanceTimersByTimeAsync(10);
    expect(await bad).toBe('-1 is < 0');
    expect(b.opened).toBe(true);
    const open = (await b.fire(1).catch((e: unknown) => e)) as Error & { code: string };
    expect([open.message, open.code, CircuitBreaker.isOurError(open)]).toEqual([
      'Breaker is open',
      'EOPENBREAKER',
      true,
    ]);
    await vi.advanceTimersByTimeAsync(100);
    expect([b.halfOpen, b.pendingClose]).toEqual([true, true]);
    const trial = b.fire(2);
    expect(b.pendingClose).toBe(false);
    const second = (await b.fire(3).catch((e: unknown) => e)) as { code: string };
    expect(second.code).toBe('EOPENBREAKER');
    await vi.advanceTimersByTimeAsync(10);
    expect(await trial).toBe(2);
    expect(b.closed).toBe(true);
    expect(events).toEqual([
      'fire',
      'success',
      'fire',
      'failure',
      'open',
      'fire',
      'reject',
      'halfOpen',
      'fire',
      'fire',
      'reject',
      'close',
      'success',
    ]);
    const s = b.stats;
    expect([s.fires, s.successes, s.failures, s.rejects]).toEqual([5, 2, 1, 2]);
  });

  it('a 50% error rate does not open at the default threshold (> 50)', async () => {
    const b = make(passFail);
    const r = Promise.allSettled([b.fire(1), b.fire(-1)]);
    await vi.advanceTimersByTimeAsync(10);
    await r;
    expect(b.closed).toBe(true);
  });

  it('volumeThreshold keeps it closed below that many fires', async () => {
    const b = make(passFail, { volumeThreshold: 3, errorThresholdPercentage: 1 });
    const r = Promise.allSettled([b.fire(-1), b.fire(-1)]);
    await vi.advanceTimersByTimeAsync(10);
    await r;
    expect(b.closed).toBe(true);
  });

  it('times out with ETIMEDOUT, emits timeout with latency, frees the semaphore, aborts the abortController', async () => {
    const abortController = new AbortController();
    const b = make(() => new Promise(() => undefined), { timeout: 50, capacity: 2, abortController });
    const seen: unknown[] = [];
    b.on('timeout', (_e: unknown, latency: number) => seen.push(latency, b.semaphore.count));
    const r = b.fire().catch((e: Error & { code: string }) => [e.message, e.code]);
    expect(b.semaphore.count).toBe(1);
    await vi.advanceTimersByTimeAsync(50);
    expect(await r).toEqual(['Timed out after 50ms', 'ETIMEDOUT']);
    expect(seen).toEqual([50, 2]);
    expect(abortController.signal.aborted).toBe(true);
    expect(b.stats.timeouts).toBe(1);
  });

  it('capacity: beyond it, ESEMLOCKED and a semaphoreRejections count', async () => {
    const b = make(passFail, { capacity: 1 });
    const first = b.fire(1);
    const error = (await b.fire(1).catch((e: unknown) => e)) as { code: string };
    expect(error.code).toBe('ESEMLOCKED');
    expect(b.stats.semaphoreRejections).toBe(1);
    await vi.advanceTimersByTimeAsync(10);
    expect(await first).toBe(1);
  });

  it('fallback gets the arguments and the error; a breaker can be the fallback', async () => {
    const b = make(passFail).fallback((x: number, e: Error) => `fb ${x} ${e.message}`);
    const r = b.fire(-3);
    await vi.advanceTimersByTimeAsync(10);
    expect(await r).toBe('fb -3 -3 is < 0');
    expect(b.stats.fallbacks).toBe(1);
    const c = make(passFail).fallback(make((x: number) => x * 2));
    const r2 = c.fire(-4);
    await vi.advanceTimersByTimeAsync(10);
    expect(await r2).toBe(-8);
  });

  it('errorFilter: a filtered error is a success and is rejected unchanged', async () => {
    const b = make(passFail, { errorFilter: () => true, errorThresholdPercentage: 1 });
    const r = b.fire(-1).catch((e: Error) => e.message);
    await vi.advanceTimersByTimeAsync(10);
    expect(await r).toBe('-1 is < 0');
    expect([b.closed, b.stats.successes, b.stats.failures]).toEqual([true, 1, 0]);
  });

  it('open(), close(), disable(), enable(), shutdown()', async () => {
    const b = make(passFail);
    b.open();
    expect(b.opened).toBe(true);
    b.close();
    expect(b.closed).toBe(true);
    b.disable();
    b.open();
    const r = b.fire(5);
    await vi.advanceTimersByTimeAsync(10);
    expect(await r).toBe(5);
    b.enable();
    b.shutdown();
    const e = (await b.fire(1).catch((x: unknown) => x)) as { code: string };
    expect([e.code, b.isShutdown]).toEqual(['ESHUTDOWN', true]);
  });

  it('toJSON state hydrates a new breaker; an open state past resetTimeout starts half-open', () => {
    const b = make(passFail);
    b.open();
    const json = b.toJSON();
    expect(Object.keys(json.state)).toEqual([
      'name',
      'enabled',
      'closed',
      'open',
      'halfOpen',
      'warmUp',
      'shutdown',
      'lastTimerAt',
    ]);
    expect(make(passFail, { state: json.state }).opened).toBe(true);
    vi.advanceTimersByTime(30_001);
    expect(make(passFail, { state: json.state }).halfOpen).toBe(true);
  });

  it('status: rolling window rotates; snapshots; percentiles', async () => {
    const b = make(passFail, { rollingCountTimeout: 100, rollingCountBuckets: 2 });
    const snaps: unknown[] = [];
    b.status.on('snapshot', (s: { fires: number }) => snaps.push(s.fires));
    const r = b.fire(1);
    await vi.advanceTimersByTimeAsync(10);
    await r;
    expect(b.status.window[0]?.successes).toBe(1);
    expect(b.stats.percentiles[1]).toBe(10);
    await vi.advanceTimersByTimeAsync(100);
    expect(b.stats.successes).toBe(0);
    expect(snaps).toEqual([1, 0]);
  });

  it('healthCheck: a failing check opens the breaker and emits healthCheckFailed', async () => {
    const b = make(passFail);
    const failed: unknown[] = [];
    b.on('healthCheckFailed', (e: Error) => failed.push(e.message));
    b.healthCheck(() => Promise.reject(new Error('down')), 1000);
    await vi.advanceTimersByTimeAsync(0);
    expect(failed).toEqual(['down']);
    expect(b.opened).toBe(true);
    expect(() => b.healthCheck('x' as never)).toThrow('Health check function must be a function');
  });

  it('call(context) binds this; getSignal/getAbortController; autoRenewAbortController renews on half-open', async () => {
    const b = make(function (this: { v: number } | undefined) {
      return Promise.resolve(this?.v);
    });
    expect(await b.call({ v: 3 })).toBe(3);
    expect(b.getSignal()).toBeUndefined();
    const r = make(() => new Promise(() => undefined), {
      timeout: 10,
      resetTimeout: 20,
      autoRenewAbortController: true,
      errorThresholdPercentage: 1,
    });
    const first = r.getAbortController();
    const t = r.fire().catch((e: { code: string }) => e.code);
    await vi.advanceTimersByTimeAsync(10);
    expect(await t).toBe('ETIMEDOUT');
    expect(first?.signal.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(20);
    expect(r.halfOpen).toBe(true);
    expect(r.getSignal()?.aborted).toBe(false);
    expect(r.getAbortController()).not.toBe(first);
  });

  it('allowWarmUp: no opening during the first rollingCountTimeout', async () => {
    const b = make(passFail, { allowWarmUp: true, errorThresholdPercentage: 1, rollingCountTimeout: 100 });
    expect(b.warmUp).toBe(true);
    const r = b.fire(-1).catch(() => 'failed');
    await vi.advanceTimersByTimeAsync(10);
    expect([await r, b.closed]).toEqual(['failed', true]);
    await vi.advanceTimersByTimeAsync(100);
    expect(b.warmUp).toBe(false);
  });

  it('rotateBucketController rotates the window; disable and enable detach and attach it', async () => {
    const { EventEmitter } = await import('node:events');
    const rotate = new EventEmitter();
    const b = make(passFail, { rotateBucketController: rotate });
    expect(rotate.listenerCount('rotate')).toBe(1);
    const r = b.fire(1);
    await vi.advanceTimersByTimeAsync(10);
    await r;
    expect(b.stats.successes).toBe(1);
    for (let i = 0; i < 10; i++) rotate.emit('rotate');
    expect(b.stats.successes).toBe(0);
    b.disable();
    expect(rotate.listenerCount('rotate')).toBe(0);
    b.enable();
    b.enable();
    expect(rotate.listenerCount('rotate')).toBe(1);
  });

  it('hydrates stats from a Status or plain stats; rollingPercentilesEnabled false reads -1', () => {
    const status = CircuitBreaker.newStatus({ stats: { fires: 4, failures: 1 } as never });
    expect(make(passFail, { status }).stats.fires).toBe(4);
    expect(make(passFail, { status: { fires: 2, successes: 2 } as never }).stats.successes).toBe(2);
    const off = make(passFail, { rollingPercentilesEnabled: false });
    expect([off.stats.latencyMean, off.stats.percentiles[0.5]]).toEqual([-1, -1]);
    expect([make(passFail).stats.latencyMean, make(passFail).stats.percentiles[0.99]]).toEqual([0, 0]);
  });

  it('works with values and plain functions; a breaker as fallback is fired with the arguments', async () => {
    expect(await make('raw' as never).fire()).toBe('raw');
    expect(await make(() => 'plain').fire()).toBe('plain');
  });

  it('bad input: no action is a TypeError', () => {
    expect(() => new CircuitBreaker(undefined as never)).toThrow(
      'No action provided. Cannot construct a CircuitBreaker without an invocable action.',
    );
  });
});

describe('shim only', () => {
  it('refuses cache and coalesce, and numbers that are not numbers, naming the option', () => {
    expect(() => new Shim(passFail, { cache: true })).toThrow(/cache/);
    expect(() => new Shim(passFail, { coalesce: true })).toThrow(/coalesce/);
    expect(() => new Shim(passFail, { timeout: '10' as never })).toThrow(/timeout/);
    expect(() => new Shim(passFail, { resetTimeout: -1 })).toThrow(/resetTimeout must be a finite number/);
    expect(() => new Shim(passFail, { rollingCountBuckets: NaN })).toThrow(RangeError);
    expect(() => new Shim(passFail, { errorThresholdPercentage: Infinity })).toThrow(RangeError);
    expect(() => new Shim(passFail, { capacity: 0 })).toThrow(/capacity must be an integer >= 1/);
    expect(new Shim(passFail, { timeout: 0, rollingCountTimeout: 0, rollingCountBuckets: 0 }).options.timeout).toBe(0);
    expect(new Shim(passFail, { timeout: false }).options.timeout).toBe(false);
  });

  it('shutdown clears every timer, the health check included', () => {
    const b = new Shim(passFail);
    b.healthCheck(() => Promise.resolve(), 1000);
    b.open();
    b.shutdown();
    expect(vi.getTimerCount()).toBe(0);
  });
});
