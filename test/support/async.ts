/** A promise with its settle functions, for a dependency the test answers by hand. */
export function deferred<T = string>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
} {
  let resolve: (value: T) => void = () => undefined;
  let reject: (error: unknown) => void = () => undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A call that stays in flight until `release()`, then resolves with `value`; counts its starts. */
export function gate<T = void>(value?: T): { fn: () => Promise<T>; release: () => void; readonly started: number } {
  const { promise, resolve } = deferred<void>();
  let started = 0;
  const fn = async (): Promise<T> => {
    started++;
    await promise;
    return value as T;
  };
  return {
    fn,
    release: () => resolve(),
    get started() {
      return started;
    },
  };
}

/** What a tracked promise did: settled or not, how, and how many times its handlers ran. */
export interface Tracked<T> {
  settled: boolean;
  ok?: boolean;
  value?: T;
  error?: unknown;
  count: number;
}

/** Settles `p` into an observable record without an unhandled rejection. */
export function track<T>(p: Promise<T>): Tracked<T> {
  const state: Tracked<T> = { settled: false, count: 0 };
  p.then(
    (value) => Object.assign(state, { settled: true, ok: true, value, count: state.count + 1 }),
    (error: unknown) => Object.assign(state, { settled: true, ok: false, error, count: state.count + 1 }),
  );
  return state;
}

/** Lets every pending promise callback and one macrotask run. */
export const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
