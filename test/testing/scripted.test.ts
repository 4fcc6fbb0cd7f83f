import { describe, expect, it } from 'vitest';
import { pipeline, timeout, TimeoutError, type Context } from '../../src/index.js';
import {
  abortListenerCount,
  delay,
  fail,
  hang,
  scripted,
  succeed,
  trackAbortListeners,
  VirtualClock,
} from '../../src/testing/index.js';

/** A bare context, as a policy would hand one to the dependency. */
function ctxOf(signal: AbortSignal, over: Partial<Context> = {}): Context {
  return {
    signal,
    attempt: 1,
    idempotent: false,
    idempotencyKey: 'k-1',
    key: undefined,
    correlationId: undefined,
    deadline: undefined,
    ...over,
  };
}

const live = (): AbortSignal => new AbortController().signal;

describe('step builders', () => {
  it('build the documented step shapes', () => {
    expect(succeed(1)).toStrictEqual({ kind: 'success', value: 1 });
    expect(succeed(1, 0)).toEqual({ kind: 'success', value: 1, latency: 0 });
    expect(succeed(1, 5)).toEqual({ kind: 'success', value: 1, latency: 5 });
    const e = new Error('x');
    expect(fail(e)).toStrictEqual({ kind: 'failure', error: e });
    expect(fail(e, 7)).toEqual({ kind: 'failure', error: e, latency: 7 });
    expect(hang()).toEqual({ kind: 'hang' });
    expect(delay(9)).toEqual({ kind: 'success', value: undefined, latency: 9 });
    expect(delay(9, 'v')).toEqual({ kind: 'success', value: 'v', latency: 9 });
  });

  it.each([-1, NaN, Infinity, '5'])('rejects latency %s naming the builder and the value', (bad) => {
    expect(() => succeed(1, bad as number)).toThrow(RangeError);
    expect(() => succeed(1, bad as number)).toThrow(
      `succeed: latency must be a finite number >= 0, got ${String(bad)}`,
    );
    expect(() => fail(1, bad as number)).toThrow(`fail: latency must be a finite number >= 0, got ${String(bad)}`);
    expect(() => delay(bad as number)).toThrow(`delay: latency must be a finite number >= 0, got ${String(bad)}`);
  });
});

describe('scripted: validation', () => {
  const clock = new VirtualClock();
  it('needs a non-empty schedule', () => {
    expect(() => scripted([], { clock })).toThrow(TypeError);
    expect(() => scripted([], { clock })).toThrow(
      'scripted: schedule must be a non-empty array of steps or a function of the call index',
    );
    expect(() => scripted('x' as never, { clock })).toThrow(TypeError);
  });
  it('needs a clock', () => {
    expect(() => scripted([succeed(1)], undefined as never)).toThrow(
      'scripted: options must be an object with a clock, got undefined',
    );
    expect(() => scripted([succeed(1)], { clock: {} as never })).toThrow(
      'scripted: clock must be an object with now, setTimeout and clearTimeout',
    );
    expect(() => scripted([succeed(1)], { clock: { now: () => 0, setTimeout: () => 0 } as never })).toThrow(TypeError);
    expect(() => scripted([succeed(1)], { clock: { now: () => 0, clearTimeout: () => 0 } as never })).toThrow(
      TypeError,
    );
    for (const clock of [null, 5, 'clock']) {
      expect(() => scripted([succeed(1)], { clock: clock as never })).toThrow(
        'scripted: clock must be an object with now, setTimeout and clearTimeout',
      );
    }
    expect(() => scripted([succeed(1)], null as never)).toThrow(
      'scripted: options must be an object with a clock, got null',
    );
    expect(() => scripted([succeed(1)], 'x' as never)).toThrow(
      'scripted: options must be an object with a clock, got x',
    );
  });
  it('rejects an unknown exhausted mode and a malformed step', () => {
    expect(() => scripted([succeed(1)], { clock, exhausted: 'loop' as never })).toThrow(
      'scripted: exhausted must be one of "repeat", "cycle", got loop',
    );
    expect(() => scripted([{ kind: 'nope' } as never], { clock })).toThrow(
      'scripted: step for call 0 must be made by succeed, fail, hang or delay, got nope',
    );
    expect(() => scripted([null as never], { clock })).toThrow(TypeError);
    const f = scripted(() => ({ kind: 'weird' }) as never, { clock });
    expect(() => f(ctxOf(live()))).toThrow(
      'scripted: step for call 0 must be made by succeed, fail, hang or delay, got weird',
    );
  });
});

describe('scripted: behaviour', () => {
  it('settles at once when a step has no latency, and records the call', async () => {
    const clock = new VirtualClock(100);
    const e = new Error('boom');
    const f = scripted<string>([succeed('a'), fail(e)], { clock });
    await expect(
      f(
        ctxOf(live(), {
          attempt: 1,
          idempotencyKey: 'x',
          key: 'db',
          correlationId: 'c',
          idempotent: true,
          deadline: 5,
        }),
      ),
    ).resolves.toBe('a');
    await expect(f(ctxOf(live(), { attempt: 2 }))).rejects.toBe(e);
    expect(clock.pending).toBe(0);
    expect(f.calls).toHaveLength(2);
    expect(f.calls[0]).toEqual({
      index: 0,
      step: succeed('a'),
      attempt: 1,
      idempotencyKey: 'x',
      idempotent: true,
      key: 'db',
      correlationId: 'c',
      deadline: 5,
      start: 100,
      end: 100,
      outcome: { ok: true, value: 'a' },
      abortedAtStart: false,
      signalAborted: false,
    });
    expect(f.calls[1]).toMatchObject({ index: 1, attempt: 2, outcome: { ok: false, error: e } });
    expect(f.inFlight).toBe(0);
  });

  it('repeats the last step by default, and cycles when asked', async () => {
    const clock = new VirtualClock();
    const repeat = scripted([succeed(1), succeed(2)], { clock });
    const cycle = scripted([succeed(1), succeed(2)], { clock, exhausted: 'cycle' });
    const r: unknown[] = [];
    const c: unknown[] = [];
    for (let i = 0; i < 5; i++) {
      r.push(await repeat(ctxOf(live())));
      c.push(await cycle(ctxOf(live())));
    }
    expect(r).toEqual([1, 2, 2, 2, 2]);
    expect(c).toEqual([1, 2, 1, 2, 1]);
  });

  it('takes a function of the call index', async () => {
    const clock = new VirtualClock();
    const f = scripted((i) => (i % 2 === 0 ? succeed(i) : fail(i)), { clock });
    await expect(f(ctxOf(live()))).resolves.toBe(0);
    await expect(f(ctxOf(live()))).rejects.toBe(1);
    await expect(f(ctxOf(live()))).resolves.toBe(2);
  });

  it('takes its latency on the clock, a latency of 0 included', async () => {
    const clock = new VirtualClock();
    const f = scripted([succeed('slow', 50), fail('late', 0)], { clock });
    let value: unknown;
    void f(ctxOf(live())).then((v) => (value = v));
    expect(f.inFlight).toBe(1);
    expect(clock.pending).toBe(1);
    await clock.advance(49);
    expect(value).toBeUndefined();
    expect(f.calls[0]?.end).toBeUndefined();
    expect(f.calls[0]?.outcome).toBeUndefined();
    await clock.advance(1);
    expect(value).toBe('slow');
    expect(f.calls[0]).toMatchObject({ start: 0, end: 50 });
    const second = f(ctxOf(live())).catch((e: unknown) => `caught ${String(e)}`);
    expect(clock.pending).toBe(1);
    await clock.advance(0);
    await expect(second).resolves.toBe('caught late');
    expect(clock.pending).toBe(0);
  });

  it('keeps the most calls in flight at once, not the latest count', async () => {
    const clock = new VirtualClock();
    const f = scripted([delay(10), delay(1)], { clock, exhausted: 'cycle' });
    void f(ctxOf(live()));
    void f(ctxOf(live()));
    await clock.advance(1);
    expect(f.inFlight).toBe(1);
    void f(ctxOf(live()));
    expect(f.maxInFlight).toBe(2);
    await clock.runAll();
    expect(f.maxInFlight).toBe(2);
  });

  it('settles a failure after its latency with the error', async () => {
    const clock = new VirtualClock();
    const f = scripted([fail('late', 5)], { clock });
    const p = f(ctxOf(live())).catch((e: unknown) => e);
    await clock.advance(5);
    expect(await p).toBe('late');
    expect(f.calls[0]).toMatchObject({ end: 5, outcome: { ok: false, error: 'late' } });
  });

  it('counts calls in flight and the most at once', async () => {
    const clock = new VirtualClock();
    const f = scripted([delay(10)], { clock });
    void f(ctxOf(live()));
    void f(ctxOf(live()));
    void f(ctxOf(live()));
    expect(f.inFlight).toBe(3);
    await clock.runAll();
    expect(f.inFlight).toBe(0);
    expect(f.maxInFlight).toBe(3);
  });

  it('hangs until the signal aborts, then rejects with its reason and leaves no listener', async () => {
    const clock = new VirtualClock();
    const controller = new AbortController();
    const signal = trackAbortListeners(controller.signal);
    const f = scripted([hang()], { clock });
    const p = f(ctxOf(signal));
    p.catch(() => {});
    expect(abortListenerCount(signal).current).toBe(1);
    await clock.advance(1_000);
    expect(f.calls[0]?.signalAborted).toBe(false);
    const reason = new Error('stop');
    clock.setTimeout(() => controller.abort(reason), 0);
    await clock.runAll();
    await expect(p).rejects.toBe(reason);
    expect(f.calls[0]).toMatchObject({
      signalAborted: true,
      abortedAtStart: false,
      end: 1_000,
      outcome: { ok: false, error: reason },
    });
    expect(abortListenerCount(signal)).toEqual({ current: 0, added: 1, removed: 1 });
  });

  it('stops a latency when the signal aborts and clears its timer', async () => {
    const clock = new VirtualClock();
    const controller = new AbortController();
    const signal = trackAbortListeners(controller.signal);
    const f = scripted([succeed('x', 100)], { clock });
    const p = f(ctxOf(signal));
    await clock.advance(10);
    controller.abort('gone');
    await expect(p).rejects.toBe('gone');
    expect(clock.pending).toBe(0);
    expect(abortListenerCount(signal).current).toBe(0);
    expect(f.calls[0]).toMatchObject({ end: 10, signalAborted: true });
  });

  it('removes its listener when a latency ends normally', async () => {
    const clock = new VirtualClock();
    const signal = trackAbortListeners(new AbortController().signal);
    const f = scripted([succeed('x', 5)], { clock });
    const p = f(ctxOf(signal));
    await clock.runAll();
    await expect(p).resolves.toBe('x');
    expect(abortListenerCount(signal)).toEqual({ current: 0, added: 1, removed: 1 });
  });

  it('rejects at once, without a timer or listener, when the signal is already aborted', async () => {
    const clock = new VirtualClock();
    const controller = new AbortController();
    controller.abort('early');
    const signal = trackAbortListeners(controller.signal);
    for (const step of [succeed(1), succeed(1, 10), hang()]) {
      const f = scripted([step], { clock });
      await expect(f(ctxOf(signal))).rejects.toBe('early');
      expect(f.calls[0]).toMatchObject({
        abortedAtStart: true,
        signalAborted: true,
        outcome: { ok: false, error: 'early' },
      });
    }
    expect(clock.pending).toBe(0);
    expect(abortListenerCount(signal).added).toBe(0);
  });

  it('ignores the signal when honorsAbort is false, and still leaves no listener', async () => {
    const clock = new VirtualClock();
    const controller = new AbortController();
    const signal = trackAbortListeners(controller.signal);
    const f = scripted([succeed('done', 100), hang()], { clock, honorsAbort: false });
    const p = f(ctxOf(signal));
    let stuckSettled = false;
    void f(ctxOf(signal)).finally(() => (stuckSettled = true));
    expect(abortListenerCount(signal).current).toBe(2);
    controller.abort('ignored');
    expect(abortListenerCount(signal).current).toBe(0);
    await clock.runAll();
    await expect(p).resolves.toBe('done');
    expect(stuckSettled).toBe(false);
    expect(f.calls[0]).toMatchObject({ signalAborted: true, outcome: { ok: true, value: 'done' } });
    expect(f.calls[1]).toMatchObject({ signalAborted: true, outcome: undefined, end: undefined });
    expect(f.inFlight).toBe(1);
    // With an already aborted signal it still runs its step.
    const g = scripted([succeed('anyway')], { clock, honorsAbort: false });
    await expect(g(ctxOf(signal))).resolves.toBe('anyway');
    expect(g.calls[0]).toMatchObject({ abortedAtStart: true });
  });

  it('works as the function of execute: a hang under a timeout is aborted by the timeout', async () => {
    const clock = new VirtualClock();
    const f = scripted([hang()], { clock });
    const p = pipeline(timeout(100, { clock })).execute(f, { key: 'db' });
    const caught = p.catch((e: unknown) => e);
    await clock.runAll();
    expect(await caught).toBeInstanceOf(TimeoutError);
    expect(f.calls[0]).toMatchObject({ key: 'db', attempt: 1, deadline: 100, signalAborted: true, end: 100 });
    expect(f.calls[0]?.outcome).toMatchObject({ ok: false });
    expect(clock.pending).toBe(0);
  });
});
