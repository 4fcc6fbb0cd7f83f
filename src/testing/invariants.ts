/**
 * Checks that users can call in their own tests and properties: breakwater
 * promises that every call settles once, leaves no timer and no abort
 * listener behind, and raises no unhandled rejection.
 */

/** Thrown by the `assert…` helpers of `breakwater/testing`. */
export class InvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvariantError';
  }
}

/**
 * Throws an {@link InvariantError} when `clock` still holds timers. Use it
 * after calls settled (or after `await clock.runAll()`).
 * @example
 * ```ts
 * await clock.runAll();
 * assertNoPendingTimers(clock);
 * ```
 */
export function assertNoPendingTimers(clock: { readonly pending: number }): void {
  const pending = clock.pending;
  if (pending !== 0) {
    throw new InvariantError(`expected no pending timers, found ${pending}`);
  }
}

interface Entry {
  readonly listener: EventListenerOrEventListenerObject;
  readonly capture: boolean;
  readonly once: boolean;
}

class ListenerTracker {
  readonly entries: Entry[] = [];
  added = 0;
  removed = 0;

  find(listener: EventListenerOrEventListenerObject, capture: boolean): number {
    const entries = this.entries;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i] as Entry;
      if (e.listener === listener && e.capture === capture) return i;
    }
    return -1;
  }

  drop(i: number): void {
    this.entries.splice(i, 1);
    this.removed++;
  }
}

const trackers = new WeakMap<AbortSignal, ListenerTracker>();

function captureOf(options: boolean | AddEventListenerOptions | EventListenerOptions | undefined): boolean {
  return typeof options === 'boolean' ? options : options?.capture === true;
}

/**
 * Instruments `signal` in place so that {@link abortListenerCount} can tell
 * how many `'abort'` listeners are registered on it, and returns it. It
 * follows `EventTarget` rules: a listener added twice counts once, `once`
 * listeners go when the signal aborts, and a listener added with its own
 * `signal` option goes when that one aborts. No `node:` import is used, so it
 * works in any runtime.
 *
 * @remarks
 * Gotchas: only listeners added after this call are seen; instrument the
 * signal before you pass it to `execute`.
 * @example
 * ```ts
 * const controller = new AbortController();
 * const signal = trackAbortListeners(controller.signal);
 * await policy.execute(fn, { signal });
 * assertNoAbortListeners(signal);
 * ```
 */
export function trackAbortListeners(signal: AbortSignal): AbortSignal {
  if (trackers.has(signal)) return signal;
  const tracker = new ListenerTracker();
  trackers.set(signal, tracker);
  const add = signal.addEventListener;
  const remove = signal.removeEventListener;
  // Runs before every listener added later: EventTarget removes `once`
  // listeners as it dispatches, and so does the count.
  add.call(signal, 'abort', () => {
    for (let i = tracker.entries.length - 1; i >= 0; i--) {
      if ((tracker.entries[i] as Entry).once) tracker.drop(i);
    }
  });
  Object.defineProperty(signal, 'addEventListener', {
    configurable: true,
    writable: true,
    value: function addEventListener(
      this: AbortSignal,
      type: string,
      listener: EventListenerOrEventListenerObject | null,
      options?: boolean | AddEventListenerOptions,
    ): void {
      add.call(this, type, listener as EventListenerOrEventListenerObject, options);
      if (type !== 'abort' || listener === null || listener === undefined) return;
      const capture = captureOf(options);
      if (tracker.find(listener, capture) !== -1) return;
      const opts = typeof options === 'object' ? options : undefined;
      if (opts?.signal?.aborted === true) return;
      if (signal.aborted && opts?.once === true) return;
      tracker.entries.push({ listener, capture, once: opts?.once === true });
      tracker.added++;
      const unlinkOn = opts?.signal;
      if (unlinkOn !== undefined) {
        unlinkOn.addEventListener(
          'abort',
          () => {
            const i = tracker.find(listener, capture);
            if (i !== -1) tracker.drop(i);
          },
          { once: true },
        );
      }
    },
  });
  Object.defineProperty(signal, 'removeEventListener', {
    configurable: true,
    writable: true,
    value: function removeEventListener(
      this: AbortSignal,
      type: string,
      listener: EventListenerOrEventListenerObject | null,
      options?: boolean | EventListenerOptions,
    ): void {
      remove.call(this, type, listener as EventListenerOrEventListenerObject, options);
      if (type !== 'abort' || listener === null || listener === undefined) return;
      const i = tracker.find(listener, captureOf(options));
      if (i !== -1) tracker.drop(i);
    },
  });
  return signal;
}

/**
 * An `AbortController` whose signal is instrumented by {@link trackAbortListeners}.
 * @example
 * ```ts
 * const controller = trackedAbortController();
 * ```
 */
export function trackedAbortController(): AbortController {
  const controller = new AbortController();
  trackAbortListeners(controller.signal);
  return controller;
}

function trackerOf(signal: AbortSignal, caller: string): ListenerTracker {
  const tracker = trackers.get(signal);
  if (tracker === undefined) {
    throw new TypeError(`${caller}: the signal is not tracked; pass it through trackAbortListeners() before use`);
  }
  return tracker;
}

/**
 * How many `'abort'` listeners are registered on a signal instrumented by
 * {@link trackAbortListeners}, with the totals added and removed so far.
 * @example
 * ```ts
 * abortListenerCount(signal); // { current: 0, added: 3, removed: 3 }
 * ```
 */
export function abortListenerCount(signal: AbortSignal): { current: number; added: number; removed: number } {
  const tracker = trackerOf(signal, 'abortListenerCount');
  return { current: tracker.entries.length, added: tracker.added, removed: tracker.removed };
}

/**
 * Throws an {@link InvariantError} when a signal instrumented by
 * {@link trackAbortListeners} still has `'abort'` listeners.
 * @example
 * ```ts
 * assertNoAbortListeners(signal);
 * ```
 */
export function assertNoAbortListeners(signal: AbortSignal): void {
  const tracker = trackerOf(signal, 'assertNoAbortListeners');
  const current = tracker.entries.length;
  if (current !== 0) {
    throw new InvariantError(
      `expected no abort listeners left on the signal, found ${current} (added ${tracker.added}, removed ${tracker.removed})`,
    );
  }
}

/** What {@link observe} has seen of a promise so far. */
export type Observation<T> =
  | { readonly state: 'pending'; readonly settlements: 0 }
  | {
      readonly state: 'fulfilled';
      readonly value: T;
      readonly settledAt: number | undefined;
      readonly settlements: number;
    }
  | {
      readonly state: 'rejected';
      readonly error: unknown;
      readonly settledAt: number | undefined;
      readonly settlements: number;
    };

/** A live view of a promise: its state so far, readable synchronously. */
export interface Observed<T> {
  /** The state now; re-read it after moving the clock. */
  readonly current: Observation<T>;
  /** Resolves with the final observation once the promise settles; never rejects. */
  readonly settled: Promise<Observation<T>>;
}

/**
 * Watches a promise without letting its rejection go unhandled, so a test can
 * read synchronously whether it settled, how, and at what clock time.
 * `settlements` counts how often it settled, which for a promise (or a
 * thenable that misbehaves) must be 1.
 *
 * @example
 * ```ts
 * const call = observe(policy.execute(fn), clock);
 * await clock.advance(100);
 * assertSettledOnce(call);
 * ```
 */
export function observe<T>(promise: PromiseLike<T>, clock?: { now(): number }): Observed<T> {
  let current: Observation<T> = { state: 'pending', settlements: 0 };
  let count = 0;
  let done: (o: Observation<T>) => void = () => {};
  const settled = new Promise<Observation<T>>((resolve) => {
    done = resolve;
  });
  promise.then(
    (value) => {
      count++;
      if (current.state === 'pending') {
        current = { state: 'fulfilled', value, settledAt: clock?.now(), settlements: count };
        done(current);
      } else {
        current = { ...current, settlements: count };
      }
    },
    (error: unknown) => {
      count++;
      if (current.state === 'pending') {
        current = { state: 'rejected', error, settledAt: clock?.now(), settlements: count };
        done(current);
      } else {
        current = { ...current, settlements: count };
      }
    },
  );
  return {
    get current(): Observation<T> {
      return current;
    },
    settled,
  };
}

/**
 * Throws an {@link InvariantError} unless the observed promise has settled,
 * and exactly once.
 * @example
 * ```ts
 * await clock.runAll();
 * assertSettledOnce(call);
 * ```
 */
export function assertSettledOnce(observed: Observed<unknown>): void {
  const o = observed.current;
  if (o.state === 'pending') throw new InvariantError('expected the call to have settled, but it is still pending');
  if (o.settlements !== 1)
    throw new InvariantError(`expected the call to settle once, it settled ${o.settlements} times`);
}

/** Unhandled rejections seen since {@link watchUnhandledRejections} started. */
export interface UnhandledRejections {
  /** The reasons, in order. */
  readonly reasons: readonly unknown[];
  /** Stops watching (removes the listener). */
  stop(): void;
}

interface ProcessLike {
  on(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
  off(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
}
interface WindowLike {
  addEventListener(type: 'unhandledrejection', listener: (event: { reason: unknown }) => void): void;
  removeEventListener(type: 'unhandledrejection', listener: (event: { reason: unknown }) => void): void;
}

/**
 * Records unhandled promise rejections (Node's `process` event, or the
 * `unhandledrejection` event where there is a `window`-like global) until
 * `stop()`. Promise rejections are reported after promise callbacks ran,
 * so move the clock (or await a macrotask) before reading `reasons`.
 *
 * @example
 * ```ts
 * const unhandled = watchUnhandledRejections();
 * try { ...; await clock.runAll(); expect(unhandled.reasons).toEqual([]); }
 * finally { unhandled.stop(); }
 * ```
 */
export function watchUnhandledRejections(): UnhandledRejections {
  const reasons: unknown[] = [];
  const g = globalThis as { process?: Partial<ProcessLike> } & Partial<WindowLike>;
  const proc = g.process;
  if (proc !== undefined && typeof proc.on === 'function' && typeof proc.off === 'function') {
    const onProcess = (reason: unknown): void => {
      reasons.push(reason);
    };
    proc.on('unhandledRejection', onProcess);
    return { reasons, stop: () => void (proc as ProcessLike).off('unhandledRejection', onProcess) };
  }
  const add = g.addEventListener;
  const remove = g.removeEventListener;
  if (typeof add === 'function' && typeof remove === 'function') {
    const onWindow = (event: { reason: unknown }): void => {
      reasons.push(event.reason);
    };
    add.call(g, 'unhandledrejection', onWindow);
    return { reasons, stop: () => remove.call(g, 'unhandledrejection', onWindow) };
  }
  throw new TypeError('watchUnhandledRejections: this runtime reports no unhandled rejections');
}
