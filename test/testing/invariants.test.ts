import { describe, expect, it } from 'vitest';
import {
  abortListenerCount,
  assertNoAbortListeners,
  assertNoPendingTimers,
  assertSettledOnce,
  InvariantError,
  observe,
  trackAbortListeners,
  trackedAbortController,
  VirtualClock,
  watchUnhandledRejections,
} from '../../src/testing/index.js';

const noop = (): void => {};

describe('assertNoPendingTimers', () => {
  it('throws an InvariantError named so', () => {
    const error = new InvariantError('x');
    expect(error.name).toBe('InvariantError');
    expect(error).toBeInstanceOf(Error);
  });

  it('passes on an idle clock and names the count otherwise', () => {
    const clock = new VirtualClock();
    expect(() => assertNoPendingTimers(clock)).not.toThrow();
    const h = clock.setTimeout(noop, 5);
    clock.setTimeout(noop, 5);
    expect(() => assertNoPendingTimers(clock)).toThrow(InvariantError);
    expect(() => assertNoPendingTimers(clock)).toThrow('expected no pending timers, found 2');
    clock.clearTimeout(h);
    expect(() => assertNoPendingTimers(clock)).toThrow('found 1');
  });
});

describe('abort listener tracking', () => {
  it('counts abort listeners added and removed, once per listener and capture flag', () => {
    const signal = trackAbortListeners(new AbortController().signal);
    const a = (): void => {};
    const b = { handleEvent: noop };
    signal.addEventListener('abort', a);
    signal.addEventListener('abort', a); // a duplicate: EventTarget keeps one
    signal.addEventListener('abort', a, true); // another capture flag: a second entry
    signal.addEventListener('abort', b);
    signal.addEventListener('other' as 'abort', a); // not an abort listener
    expect(abortListenerCount(signal)).toEqual({ current: 3, added: 3, removed: 0 });
    signal.removeEventListener('abort', a);
    signal.removeEventListener('abort', a); // unknown now: no change
    signal.removeEventListener('abort', a, { capture: true });
    signal.removeEventListener('other' as 'abort', a);
    expect(abortListenerCount(signal)).toEqual({ current: 1, added: 3, removed: 2 });
    expect(() => assertNoAbortListeners(signal)).toThrow(InvariantError);
    expect(() => assertNoAbortListeners(signal)).toThrow(
      'expected no abort listeners left on the signal, found 1 (added 3, removed 2)',
    );
    signal.removeEventListener('abort', b);
    expect(() => assertNoAbortListeners(signal)).not.toThrow();
  });

  it('ignores removing a null listener and other event types, as EventTarget does', () => {
    const signal = trackAbortListeners(new AbortController().signal);
    signal.removeEventListener('abort', null as never);
    signal.addEventListener('change' as 'abort', noop);
    signal.removeEventListener('change' as 'abort', noop);
    expect(abortListenerCount(signal)).toEqual({ current: 0, added: 0, removed: 0 });
    signal.addEventListener('abort', noop, { capture: true });
    signal.removeEventListener('abort', noop, true);
    expect(abortListenerCount(signal)).toEqual({ current: 0, added: 1, removed: 1 });
  });

  it('still delivers the event to listeners', () => {
    const controller = trackedAbortController();
    let heard = 0;
    controller.signal.addEventListener('abort', () => heard++);
    controller.abort();
    expect(heard).toBe(1);
  });

  it('drops once listeners when the signal aborts, and keeps the others', () => {
    const controller = trackedAbortController();
    const signal = controller.signal;
    signal.addEventListener('abort', noop, { once: true });
    signal.addEventListener('abort', () => {});
    controller.abort();
    expect(abortListenerCount(signal)).toEqual({ current: 1, added: 2, removed: 1 });
    signal.addEventListener('abort', () => {}, { once: true }); // never fires now
    expect(abortListenerCount(signal).current).toBe(1);
  });

  it('drops a listener when the signal given in its options aborts', () => {
    const signal = trackAbortListeners(new AbortController().signal);
    const unlink = new AbortController();
    signal.addEventListener('abort', noop, { signal: unlink.signal });
    expect(abortListenerCount(signal).current).toBe(1);
    unlink.abort();
    expect(abortListenerCount(signal)).toEqual({ current: 0, added: 1, removed: 1 });
    const gone = new AbortController();
    gone.abort();
    signal.addEventListener('abort', () => {}, { signal: gone.signal });
    expect(abortListenerCount(signal).current).toBe(0);
  });

  it('instruments a signal once, and refuses to count an untracked one', () => {
    const signal = new AbortController().signal;
    expect(trackAbortListeners(signal)).toBe(signal);
    signal.addEventListener('abort', noop);
    trackAbortListeners(signal);
    expect(abortListenerCount(signal).current).toBe(1);
    const other = new AbortController().signal;
    expect(() => abortListenerCount(other)).toThrow(TypeError);
    expect(() => abortListenerCount(other)).toThrow(
      'abortListenerCount: the signal is not tracked; pass it through trackAbortListeners() before use',
    );
    expect(() => assertNoAbortListeners(other)).toThrow('assertNoAbortListeners: the signal is not tracked');
  });
});

describe('observe and assertSettledOnce', () => {
  it('reads a pending, fulfilled or rejected promise synchronously, with the clock time', async () => {
    const clock = new VirtualClock(7);
    let resolve: (v: number) => void = noop;
    const pending = observe(new Promise<number>((r) => (resolve = r)), clock);
    expect(pending.current).toEqual({ state: 'pending', settlements: 0 });
    expect(() => assertSettledOnce(pending)).toThrow('expected the call to have settled, but it is still pending');
    resolve(3);
    await expect(pending.settled).resolves.toEqual({ state: 'fulfilled', value: 3, settledAt: 7, settlements: 1 });
    expect(() => assertSettledOnce(pending)).not.toThrow();

    const failed = observe(Promise.reject(new Error('no')));
    const final = await failed.settled;
    expect(final).toMatchObject({ state: 'rejected', settledAt: undefined, settlements: 1 });
    expect(failed.current).toBe(final);
  });

  it('catches a thenable that settles twice', async () => {
    const twice: PromiseLike<number> = {
      then(ok, bad) {
        ok?.(1);
        bad?.(new Error('again'));
        ok?.(2);
        return Promise.resolve() as never;
      },
    };
    const o = observe(twice);
    await o.settled;
    expect(o.current).toMatchObject({ state: 'fulfilled', value: 1, settlements: 3 });
    expect(() => assertSettledOnce(o)).toThrow('expected the call to settle once, it settled 3 times');

    const rejectTwice: PromiseLike<number> = {
      then(_ok, bad) {
        bad?.('a');
        bad?.('b');
        return Promise.resolve() as never;
      },
    };
    const r = observe(rejectTwice);
    expect(r.current).toMatchObject({ state: 'rejected', error: 'a', settlements: 2 });
  });
});

describe('watchUnhandledRejections', () => {
  type Listener = (arg: unknown) => void;
  /** Runs `fn` with globalThis.process and addEventListener replaced (synchronously only). */
  function withGlobals<T>(
    globals: { process?: unknown; addEventListener?: unknown; removeEventListener?: unknown },
    fn: () => T,
  ): T {
    const g = globalThis as Record<string, unknown>;
    const saved = {
      process: g.process,
      addEventListener: g.addEventListener,
      removeEventListener: g.removeEventListener,
    };
    Object.assign(g, globals);
    try {
      return fn();
    } finally {
      Object.assign(g, saved);
      if (saved.addEventListener === undefined) delete g.addEventListener;
      if (saved.removeEventListener === undefined) delete g.removeEventListener;
    }
  }

  it("listens to Node's process event and stops on stop()", () => {
    const listeners = new Map<string, Listener>();
    const proc = {
      on: (event: string, l: Listener) => listeners.set(event, l),
      off: (event: string, l: Listener) => listeners.get(event) === l && listeners.delete(event),
    };
    const watch = withGlobals({ process: proc }, () => watchUnhandledRejections());
    listeners.get('unhandledRejection')?.('r1');
    listeners.get('unhandledRejection')?.('r2');
    expect(watch.reasons).toEqual(['r1', 'r2']);
    watch.stop();
    expect(listeners.size).toBe(0);
  });

  it('listens to the unhandledrejection event where there is no process', () => {
    const listeners = new Map<string, Listener>();
    const add = (event: string, l: Listener) => listeners.set(event, l);
    const remove = (event: string, l: Listener) => listeners.get(event) === l && listeners.delete(event);
    const watch = withGlobals({ process: undefined, addEventListener: add, removeEventListener: remove }, () =>
      watchUnhandledRejections(),
    );
    listeners.get('unhandledrejection')?.({ reason: 'w1' });
    expect(watch.reasons).toEqual(['w1']);
    watch.stop();
    expect(listeners.size).toBe(0);
  });

  it('throws where the runtime reports no unhandled rejections', () => {
    expect(() =>
      withGlobals({ process: { on: noop }, addEventListener: undefined, removeEventListener: undefined }, () =>
        watchUnhandledRejections(),
      ),
    ).toThrow('watchUnhandledRejections: this runtime reports no unhandled rejections');
  });
});
