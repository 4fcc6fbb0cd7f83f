/** cockatiel's function-style events: subscribing returns a disposable. */
import { TaskCancelledError } from './errors.js';

/** Something that can be released, as cockatiel's events and `isolate()` hand back. */
export interface IDisposable {
  dispose(): void;
}

/** An event: call it with a listener to subscribe; dispose the result to unsubscribe. */
export type Event<T> = (listener: (data: T) => void) => IDisposable;

/** A disposable that does nothing. */
export const noopDisposable: IDisposable = { dispose: () => undefined };

/**
 * A list of listeners behind an `Event`.
 *
 * @example
 * const emitter = new EventEmitter<number>();
 * emitter.addListener((n) => console.log(n));
 * emitter.emit(1);
 */
export class EventEmitter<T> {
  private listeners: ((data: T) => void)[] = [];

  /** Subscribes a listener; the `Event` users see. */
  readonly addListener: Event<T> = (listener) => {
    this.listeners = [...this.listeners, listener];
    return { dispose: () => this.removeListener(listener) };
  };

  /** How many listeners are subscribed. */
  get size(): number {
    return this.listeners.length;
  }

  /** Calls every listener with `value`, in order. */
  emit(value: T): void {
    for (const listener of this.listeners) listener(value);
  }

  private removeListener(listener: (data: T) => void): void {
    const i = this.listeners.indexOf(listener);
    if (i !== -1) this.listeners = [...this.listeners.slice(0, i), ...this.listeners.slice(i + 1)];
  }
}

/** Helpers on events: `Event.once`, `Event.toPromise`. */
// eslint-disable-next-line @typescript-eslint/no-namespace
export namespace Event {
  /** Subscribes for the first emission only. */
  export const once = <T>(event: Event<T>, listener: (data: T) => void): IDisposable => {
    // The listener may run before `event` returns, so the handle lives in a holder read later.
    const holder: { handle?: IDisposable; fired: boolean } = { fired: false };
    const handle = event((value) => {
      if (holder.fired) return;
      holder.fired = true;
      listener(value);
      holder.handle?.dispose();
    });
    if (holder.fired) {
      handle.dispose();
      return noopDisposable;
    }
    holder.handle = handle;
    return handle;
  };

  /** Resolves with the next emission; rejects with `TaskCancelledError` when `signal` aborts first. */
  export const toPromise = <T>(event: Event<T>, signal?: AbortSignal): Promise<T> => {
    if (!signal) return new Promise<T>((resolve) => once(event, resolve));
    if (signal.aborted) return Promise.reject(new TaskCancelledError());
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        sub.dispose();
        reject(new TaskCancelledError());
      };
      const sub = once(event, (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      });
      signal.addEventListener('abort', onAbort, { once: true });
    });
  };
}
