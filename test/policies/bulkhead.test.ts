import { getEventListeners } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import {
  bulkhead,
  BulkheadRejectedError,
  DEFAULT_MAX_QUEUE,
  isBulkheadRejectedError,
  pipeline,
  timeout,
  TimeoutError,
} from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';
import { flush, gate, track } from '../support/async.js';

describe('bulkhead: defaults and validation', () => {
  it('pins the defaults: no queue, no queue timeout, name "bulkhead"', () => {
    expect(DEFAULT_MAX_QUEUE).toBe(0);
    const b = bulkhead({ maxConcurrent: 3 });
    expect(b.maxConcurrent).toBe(3);
    expect(b.maxQueue).toBe(0);
    expect(b.queueTimeout).toBeUndefined();
    expect(b.name).toBe('bulkhead');
    expect(b.active).toBe(0);
    expect(b.queued).toBe(0);
  });

  it.each([
    [{ maxConcurrent: 0 }, RangeError, 'bulkhead: maxConcurrent must be an integer >= 1, or Infinity, got 0'],
    [{ maxConcurrent: -1 }, RangeError, 'bulkhead: maxConcurrent must be an integer >= 1, or Infinity, got -1'],
    [{ maxConcurrent: 1.5 }, RangeError, 'bulkhead: maxConcurrent must be an integer >= 1, or Infinity, got 1.5'],
    [{ maxConcurrent: NaN }, RangeError, 'bulkhead: maxConcurrent must be an integer >= 1, or Infinity, got NaN'],
    [{ maxConcurrent: '2' }, TypeError, 'bulkhead: maxConcurrent must be an integer >= 1, or Infinity, got "2"'],
    [{}, TypeError, 'bulkhead: maxConcurrent must be an integer >= 1, or Infinity, got undefined'],
    [{ maxConcurrent: 1, maxQueue: -1 }, RangeError, 'bulkhead: maxQueue must be an integer >= 0, or Infinity, got -1'],
    [
      { maxConcurrent: 1, maxQueue: 0.5 },
      RangeError,
      'bulkhead: maxQueue must be an integer >= 0, or Infinity, got 0.5',
    ],
    [
      { maxConcurrent: 1, maxQueue: null },
      TypeError,
      'bulkhead: maxQueue must be an integer >= 0, or Infinity, got null',
    ],
    [
      { maxConcurrent: 1, queueTimeout: 0 },
      RangeError,
      'bulkhead: queueTimeout must be a positive finite number, got 0',
    ],
    [
      { maxConcurrent: 1, queueTimeout: -5 },
      RangeError,
      'bulkhead: queueTimeout must be a positive finite number, got -5',
    ],
    [
      { maxConcurrent: 1, queueTimeout: Infinity },
      RangeError,
      'bulkhead: queueTimeout must be a positive finite number, got Infinity',
    ],
    [
      { maxConcurrent: 1, queueTimeout: '5' },
      TypeError,
      'bulkhead: queueTimeout must be a positive finite number, got "5"',
    ],
    [
      { maxConcurrent: 1, queueTimeout: 2_147_483_648 },
      RangeError,
      'bulkhead: queueTimeout must be at most 2147483647 (about 24.8 days), got 2147483648',
    ],
    [{ maxConcurrent: 1, name: '' }, TypeError, 'bulkhead: name must be a non-empty string, got ""'],
    [
      { maxConcurrent: 1, clock: {} },
      TypeError,
      'bulkhead: clock must be an object with now, setTimeout and clearTimeout, got an object',
    ],
  ])('rejects %o at construction, naming the option and the value', (options, type, message) => {
    expect(() => bulkhead(options as never)).toThrow(type);
    expect(() => bulkhead(options as never)).toThrow(message);
  });

  it('rejects a missing or non-object options argument naming the option', () => {
    expect(() => bulkhead(undefined as never)).toThrow(
      'bulkhead: maxConcurrent must be an integer >= 1, or Infinity, got undefined',
    );
    expect(() => bulkhead(5 as never)).toThrow(TypeError);
    expect(() => bulkhead(5 as never)).toThrow('bulkhead: options must be an object, got 5');
  });

  it('accepts Infinity for maxConcurrent and maxQueue', () => {
    const b = bulkhead({ maxConcurrent: Infinity, maxQueue: Infinity });
    expect(b.maxConcurrent).toBe(Infinity);
    expect(b.maxQueue).toBe(Infinity);
  });
});

describe('bulkhead: capacity', () => {
  it('runs up to maxConcurrent calls at once and rejects the next with reason "full" when maxQueue is an explicit 0', async () => {
    const b = bulkhead({ maxConcurrent: 2, maxQueue: 0 });
    const g = gate();
    const first = b.execute(g.fn);
    const second = b.execute(g.fn);
    expect(b.active).toBe(2);
    const third = b.execute(g.fn);
    await expect(third).rejects.toBeInstanceOf(BulkheadRejectedError);
    const error = await third.catch((e: unknown) => e);
    expect(isBulkheadRejectedError(error) && error.reason).toBe('full');
    expect((error as BulkheadRejectedError).executed).toBe(false);
    expect(g.started).toBe(2);
    g.release();
    await Promise.all([first, second]);
    await flush();
    expect(b.active).toBe(0);
  });

  it('emits rejected { reason: "full" } with the call key and correlation id', async () => {
    const clock = new VirtualClock(7);
    const b = bulkhead({ maxConcurrent: 1, clock, name: 'payments' });
    const events: unknown[] = [];
    b.on('rejected', (e) => events.push(e));
    const g = gate();
    const running = b.execute(g.fn);
    await b.execute(g.fn, { key: 'k', correlationId: 'c' }).catch(() => undefined);
    expect(events).toEqual([{ reason: 'full', policy: 'payments', key: 'k', correlationId: 'c', at: 7 }]);
    expect(Object.isFrozen(events[0])).toBe(true);
    g.release();
    await running;
  });

  it('queues up to maxQueue calls and starts them in FIFO order as slots free', async () => {
    const b = bulkhead({ maxConcurrent: 1, maxQueue: 3 });
    const order: number[] = [];
    const gates = [gate(), gate(), gate(), gate()];
    const calls = gates.map((g, i) => b.execute(() => (order.push(i), g.fn())));
    expect(b.active).toBe(1);
    expect(b.queued).toBe(3);
    const overflow = track(b.execute(() => 0));
    await flush();
    expect((overflow.error as BulkheadRejectedError).reason).toBe('full');
    for (const g of gates) {
      g.release();
      await flush();
    }
    await Promise.all(calls);
    expect(order).toEqual([0, 1, 2, 3]);
    expect(b.active).toBe(0);
    expect(b.queued).toBe(0);
  });

  it('never lets a new call overtake a queued one when a slot frees', async () => {
    const b = bulkhead({ maxConcurrent: 1, maxQueue: 5 });
    const order: string[] = [];
    const g = gate();
    const first = b.execute(g.fn);
    const queued = b.execute(() => order.push('queued'));
    g.release();
    await first;
    // The slot is free for a moment, but a call is waiting: the newcomer goes behind it.
    const late = b.execute(() => order.push('late'));
    await Promise.all([queued, late]);
    expect(order).toEqual(['queued', 'late']);
  });

  it('frees the place when fn settles, not when an aggressive timeout outside gives up', async () => {
    const clock = new VirtualClock();
    const b = bulkhead({ maxConcurrent: 1, clock });
    const p = pipeline(timeout(100, { clock }), b);
    const g = gate();
    const call = track(p.execute(g.fn));
    await clock.advance(100);
    expect(call.error).toBeInstanceOf(TimeoutError);
    expect(b.active).toBe(1);
    await expect(b.execute(() => 1)).rejects.toMatchObject({ reason: 'full' });
    g.release();
    await flush();
    expect(b.active).toBe(0);
  });

  it('frees the place when fn throws synchronously or rejects', async () => {
    const b = bulkhead({ maxConcurrent: 1 });
    await expect(
      b.execute(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    await flush();
    expect(b.active).toBe(0);
    await expect(b.execute(() => Promise.reject(new Error('async')))).rejects.toThrow('async');
    await flush();
    expect(b.active).toBe(0);
    expect(await b.execute(() => 5)).toBe(5);
  });

  it('keeps calls and values as they are: fn values pass through unchanged', async () => {
    const b = bulkhead({ maxConcurrent: 1, maxQueue: 1 });
    const g = gate('a');
    const [a, c] = await Promise.all([b.execute(g.fn), b.execute(() => 'c'), (g.release(), undefined)]);
    expect(a).toBe('a');
    expect(c).toBe('c');
  });

  // A queued call that can never leave the queue (no signal, no queueTimeout) takes a lighter path
  // than one that can; both must hand back exactly what fn produced and free the slot.
  it.each([
    ['without a signal', {}, false],
    ['with a signal', {}, true],
    ['under a queueTimeout', { queueTimeout: 1_000 }, false],
  ])(
    "hands a queued call's value, rejection or synchronous throw back unchanged %s",
    async (_label, extra, withSignal) => {
      const b = bulkhead({ maxConcurrent: 1, maxQueue: 3, clock: new VirtualClock(), ...extra });
      const options = withSignal ? { signal: new AbortController().signal } : undefined;
      const g = gate();
      const first = b.execute(g.fn);
      const value = { v: 1 };
      const failure = new Error('async');
      const thrown = new Error('sync');
      const ok = track(b.execute(() => value, options));
      const rejected = track(b.execute(() => Promise.reject(failure), options));
      const threw = track(
        b.execute(() => {
          throw thrown;
        }, options),
      );
      expect(b.queued).toBe(3);
      g.release();
      await first;
      await flush();
      expect(ok).toMatchObject({ ok: true });
      expect(ok.value).toBe(value);
      expect(rejected.error).toBe(failure);
      expect(threw.error).toBe(thrown);
      expect(b.active).toBe(0);
      expect(b.queued).toBe(0);
    },
  );
});

describe('bulkhead: queue timeout', () => {
  it('rejects a call queued longer than queueTimeout with reason "queueTimeout", emits rejected, and leaves no timer', async () => {
    const clock = new VirtualClock();
    const b = bulkhead({ maxConcurrent: 1, maxQueue: 2, queueTimeout: 50, clock });
    const events: unknown[] = [];
    b.on('rejected', (e) => events.push(e.reason));
    const g = gate();
    const running = b.execute(g.fn);
    const ran = vi.fn();
    const waiting = track(b.execute(ran, { correlationId: 'x' }));
    expect(clock.pending).toBe(1);
    await clock.advance(49);
    expect(waiting.settled).toBe(false);
    await clock.advance(1);
    expect(waiting.error).toBeInstanceOf(BulkheadRejectedError);
    expect((waiting.error as BulkheadRejectedError).reason).toBe('queueTimeout');
    expect((waiting.error as BulkheadRejectedError).executed).toBe(false);
    expect(events).toEqual(['queueTimeout']);
    expect(b.queued).toBe(0);
    expect(clock.pending).toBe(0);
    g.release();
    await running;
    await flush();
    expect(ran).not.toHaveBeenCalled();
    expect(b.active).toBe(0);
  });

  it('clears the queue timer when the call starts', async () => {
    const clock = new VirtualClock();
    const b = bulkhead({ maxConcurrent: 1, maxQueue: 1, queueTimeout: 50, clock });
    const g = gate();
    const running = b.execute(g.fn);
    const waiting = b.execute(() => 'ok');
    expect(clock.pending).toBe(1);
    g.release();
    await running;
    expect(await waiting).toBe('ok');
    expect(clock.pending).toBe(0);
  });

  it('sets no timer for an uncontended call', async () => {
    const clock = new VirtualClock();
    const b = bulkhead({ maxConcurrent: 1, maxQueue: 1, queueTimeout: 50, clock });
    await b.execute(() => 1);
    expect(clock.pending).toBe(0);
  });

  it('loses no slot when the queue timeout falls due at the same instant the slot is released (failsafe #393)', async () => {
    for (const timerFirst of [true, false]) {
      const clock = new VirtualClock();
      const b = bulkhead({ maxConcurrent: 1, maxQueue: 1, queueTimeout: 100, clock });
      let release!: () => void;
      if (!timerFirst) clock.setTimeout(() => release(), 100);
      const running = b.execute(() => new Promise<void>((r) => (release = r)));
      const ran = vi.fn();
      const waiting = track(b.execute(ran));
      if (timerFirst) clock.setTimeout(() => release(), 100);
      await clock.advance(100);
      await running;
      await flush();
      expect(waiting.settled).toBe(true);
      // Either it ran or it timed out, never both, and the slot is back either way.
      expect(ran.mock.calls.length === 1).toBe(waiting.ok === true);
      expect(b.active).toBe(0);
      expect(b.queued).toBe(0);
      expect(clock.pending).toBe(0);
      expect(await b.execute(() => 'free')).toBe('free');
    }
  });
});

describe('bulkhead: abort', () => {
  it('rejects an already aborted call with signal.reason and never runs it', async () => {
    const b = bulkhead({ maxConcurrent: 1 });
    const reason = new Error('gone');
    const fn = vi.fn();
    await expect(b.execute(fn, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(fn).not.toHaveBeenCalled();
  });

  it('takes an aborted queued call out of the queue at once, rejects it with signal.reason, and never runs it (cockatiel #114)', async () => {
    const clock = new VirtualClock();
    const b = bulkhead({ maxConcurrent: 1, maxQueue: 1, queueTimeout: 1_000, clock });
    const g = gate();
    const running = b.execute(g.fn);
    const controller = new AbortController();
    const aborted = vi.fn();
    const waiting = track(b.execute(aborted, { signal: controller.signal }));
    expect(b.queued).toBe(1);
    const reason = new Error('caller left');
    controller.abort(reason);
    expect(b.queued).toBe(0);
    expect(clock.pending).toBe(0);
    await flush();
    expect(waiting.error).toBe(reason);
    // Its place is free for another call at once, and that call gets the slot next.
    const next = b.execute(() => 'next');
    expect(b.queued).toBe(1);
    g.release();
    await running;
    expect(await next).toBe('next');
    expect(aborted).not.toHaveBeenCalled();
    expect(b.active).toBe(0);
  });

  it('removes its abort listener from the caller signal on every exit path', async () => {
    const clock = new VirtualClock();
    const b = bulkhead({ maxConcurrent: 1, maxQueue: 10, queueTimeout: 10, clock });
    const controller = new AbortController();
    const g = gate();
    // Calls sharing one caller signal hold one abort listener between them, however many wait.
    const running = b.execute(g.fn, { signal: controller.signal });
    expect(getEventListeners(controller.signal, 'abort').length).toBe(1);
    const timedOut = track(b.execute(() => 1, { signal: controller.signal }));
    expect(getEventListeners(controller.signal, 'abort').length).toBe(1);
    await clock.advance(10);
    expect((timedOut.error as BulkheadRejectedError).reason).toBe('queueTimeout');
    expect(getEventListeners(controller.signal, 'abort').length).toBe(1);
    const started = b.execute(() => 1, { signal: controller.signal });
    expect(getEventListeners(controller.signal, 'abort').length).toBe(1);
    g.release();
    await running;
    await started;
    expect(getEventListeners(controller.signal, 'abort').length).toBe(0);
  });

  it('takes a queued call out when an enclosing timeout aborts it, rejecting with the TimeoutError', async () => {
    const clock = new VirtualClock();
    const b = bulkhead({ maxConcurrent: 1, maxQueue: 1, clock });
    const g = gate();
    const running = b.execute(g.fn);
    const ran = vi.fn();
    const waiting = track(pipeline(timeout(30, { clock }), b).execute(ran));
    await clock.advance(30);
    expect(waiting.error).toBeInstanceOf(TimeoutError);
    expect(b.queued).toBe(0);
    g.release();
    await running;
    await flush();
    expect(ran).not.toHaveBeenCalled();
  });

  it('does not free the slot of a running call whose caller aborts: the dependency is still busy', async () => {
    const b = bulkhead({ maxConcurrent: 1 });
    const controller = new AbortController();
    let release!: () => void;
    const running = b.execute(() => new Promise<void>((r) => (release = r)), { signal: controller.signal });
    const bye = new Error('bye');
    controller.abort(bye);
    // The caller is answered at once with its reason; the slot stays taken until the function settles.
    await expect(running).rejects.toBe(bye);
    expect(b.active).toBe(1);
    release();
    await flush();
    expect(b.active).toBe(0);
  });

  it('passes a parked head-of-queue abort through: the next queued call gets the slot', async () => {
    // The first queued call waits at the head (p-limit reached it) while a fast-path call holds the slot.
    const b = bulkhead({ maxConcurrent: 1, maxQueue: 3 });
    const g = gate();
    const running = b.execute(g.fn);
    const c1 = new AbortController();
    const first = track(b.execute(() => 'first', { signal: c1.signal }));
    const second = b.execute(() => 'second');
    await flush();
    c1.abort(new Error('x'));
    expect(b.queued).toBe(1);
    g.release();
    await running;
    expect(await second).toBe('second');
    expect(first.ok).toBe(false);
    await flush();
    expect(b.active).toBe(0);
  });
});

describe('bulkhead: drain', () => {
  it('drains 50,000 queued calls through maxConcurrent 10 in FIFO order, each once (linear drain)', async () => {
    const b = bulkhead({ maxConcurrent: 10, maxQueue: Infinity });
    const n = 50_000;
    const order: number[] = [];
    const calls = new Array<Promise<unknown>>(n);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) calls[i] = b.execute(() => order.push(i));
    expect(b.queued).toBe(n - 10);
    await Promise.all(calls);
    const ms = performance.now() - t0;
    expect(order.length).toBe(n);
    expect(order.every((v, i) => v === i)).toBe(true);
    // A quadratic drain (Array#shift) takes seconds here; a linear one well under one.
    expect(ms).toBeLessThan(5_000);
    await flush();
    expect(b.active).toBe(0);
    expect(b.queued).toBe(0);
  });

  it('reports a throwing rejected listener without changing the outcome', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const b = bulkhead({ maxConcurrent: 1 });
    b.on('rejected', () => {
      throw new Error('listener broke');
    });
    const g = gate();
    const running = b.execute(g.fn);
    await expect(b.execute(() => 1)).rejects.toMatchObject({ reason: 'full' });
    expect(warn).toHaveBeenCalled();
    g.release();
    await running;
    warn.mockRestore();
  });
});

describe('bulkhead: the dequeued event', () => {
  it('emits dequeued with the time waited when a queued call starts, on every queued path', async () => {
    const clock = new VirtualClock();
    const b = bulkhead({ maxConcurrent: 1, maxQueue: 3, clock });
    const waited: number[] = [];
    b.on('dequeued', (e) => waited.push(e.waitedMs));
    const first = gate();
    const running = b.execute(first.fn);
    const controller = new AbortController();
    const second = gate();
    const third = gate();
    const queuedWithSignal = b.execute(second.fn, { signal: controller.signal });
    await clock.advance(10);
    const queuedSteadfast = b.execute(third.fn);
    expect(waited).toEqual([]);
    await clock.advance(15);
    first.release();
    await running;
    await flush();
    expect(waited).toEqual([25]);
    await clock.advance(5);
    second.release();
    await queuedWithSignal;
    await flush();
    expect(waited).toEqual([25, 20]);
    third.release();
    await queuedSteadfast;
    expect(b.active).toBe(0);
  });

  it('never emits dequeued for a call that did not wait, nor for one that left the queue', async () => {
    const clock = new VirtualClock();
    const b = bulkhead({ maxConcurrent: 1, maxQueue: 1, queueTimeout: 10, clock });
    const seen: number[] = [];
    b.on('dequeued', (e) => seen.push(e.waitedMs));
    const first = gate();
    const running = b.execute(first.fn);
    const queued = b.execute(() => 'never');
    queued.catch(() => undefined);
    await clock.advance(10);
    await expect(queued).rejects.toBeInstanceOf(BulkheadRejectedError);
    first.release();
    await running;
    await b.execute(() => 'free');
    expect(seen).toEqual([]);
  });
});

describe('bulkhead: queue edges (the longest queue timeout, a waiter aborted or timed out)', () => {
  it('accepts the longest queueTimeout a timer can take (2,147,483,647 ms)', () => {
    expect(bulkhead({ maxConcurrent: 1, queueTimeout: 2_147_483_647 }).queueTimeout).toBe(2_147_483_647);
  });

  it('a queued call whose caller aborts emits no rejected event', async () => {
    const clock = new VirtualClock();
    const b = bulkhead({ maxConcurrent: 1, maxQueue: 1, queueTimeout: 1_000, clock });
    const reasons: string[] = [];
    b.on('rejected', (e) => reasons.push(e.reason));
    const g = gate();
    const running = b.execute(g.fn);
    const controller = new AbortController();
    const reason = new Error('caller gone');
    const queued = b.execute(() => 'x', { signal: controller.signal }).catch((e: unknown) => e);
    controller.abort(reason);
    expect(await queued).toBe(reason);
    expect(reasons).toEqual([]);
    expect(b.queued).toBe(0);
    expect(clock.pending).toBe(0);
    g.release();
    await running;
  });

  it('a queued call under a cooperative timeout leaves the queue and settles when the timeout aborts its scope', async () => {
    const clock = new VirtualClock();
    const b = bulkhead({ maxConcurrent: 1, maxQueue: 1, clock });
    const reasons: string[] = [];
    b.on('rejected', (e) => reasons.push(e.reason));
    const g = gate();
    const running = b.execute(g.fn);
    const policy = pipeline(timeout(50, { clock, strategy: 'cooperative' }), b);
    let ran = false;
    const result = policy
      .execute(() => {
        ran = true;
      })
      .catch((e: unknown) => e);
    await clock.advance(50);
    const error = await result;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(ran).toBe(false);
    expect(b.queued).toBe(0);
    expect(reasons).toEqual([]);
    g.release();
    await running;
  });
});
