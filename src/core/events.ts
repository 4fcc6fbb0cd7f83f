import { EventEmitter } from 'eventemitter3';

/** Fields every event payload carries. */
export interface EventBase {
  /** The policy's `name`. */
  readonly policy: string;
  /** The `key` of the call that caused the event. */
  readonly key: string | undefined;
  /** The `correlationId` of the call that caused the event. */
  readonly correlationId: string | undefined;
  /** `clock.now()` when the event was emitted. */
  readonly at: number;
}

/** Maps each event name of a policy to its payload type (without the common fields). */
export type EventMap = object;

/** eventemitter3's listener table for an {@link EventMap}: one payload argument per event. */
export type ListenerTable<E extends EventMap> = { [K in keyof E & string]: [payload: Readonly<E[K] & EventBase>] };

type Listener = (...args: never[]) => unknown;

const ORIGINAL: unique symbol = Symbol('breakwater.listener') as never;
type SafeListener = Listener & { [ORIGINAL]?: Listener };
const safeListeners = new WeakMap<Listener, SafeListener>();

interface ProcessLike {
  emitWarning?: (warning: Error | string, options?: { type?: string; code?: string }) => void;
}

/** Reports an error thrown by an event listener without letting it reach the call. */
export function reportListenerError(error: unknown): void {
  const warning =
    error instanceof Error ? error : new Error(`breakwater: event listener threw ${String(error)}`);
  const proc = (globalThis as { process?: ProcessLike }).process;
  try {
    if (proc?.emitWarning !== undefined) {
      proc.emitWarning(warning, { type: 'BreakwaterListenerError', code: 'BREAKWATER_LISTENER_ERROR' });
    } else {
      console.error('breakwater: an event listener threw', error);
    }
  } catch {
    // Reporting must never fail the call either.
  }
}

/**
 * Wraps a listener so that its throw is reported and swallowed. The wrapper is
 * cached per function, so `off(event, fn)` finds what `on(event, fn)` added.
 */
function toSafe(fn: Listener): SafeListener {
  let safe = safeListeners.get(fn);
  if (safe === undefined) {
    safe = function (this: unknown, ...args: never[]): void {
      try {
        fn.apply(this, args);
      } catch (error) {
        reportListenerError(error);
      }
    } as SafeListener;
    safe[ORIGINAL] = fn;
    safeListeners.set(fn, safe);
  }
  return safe;
}

/**
 * The typed event emitter every policy is. Listeners that throw are isolated:
 * the error is reported with `process.emitWarning` (else `console.error`) and
 * neither the call nor the policy's state changes.
 */
export class PolicyEmitter<E extends EventMap> extends EventEmitter<ListenerTable<E>> {
  override on<T extends EventEmitter.EventNames<ListenerTable<E>>>(
    event: T,
    fn: EventEmitter.EventListener<ListenerTable<E>, T>,
    context?: unknown,
  ): this {
    return super.on(event, toSafe(fn as Listener) as typeof fn, context);
  }

  override addListener<T extends EventEmitter.EventNames<ListenerTable<E>>>(
    event: T,
    fn: EventEmitter.EventListener<ListenerTable<E>, T>,
    context?: unknown,
  ): this {
    return super.addListener(event, toSafe(fn as Listener) as typeof fn, context);
  }

  override once<T extends EventEmitter.EventNames<ListenerTable<E>>>(
    event: T,
    fn: EventEmitter.EventListener<ListenerTable<E>, T>,
    context?: unknown,
  ): this {
    return super.once(event, toSafe(fn as Listener) as typeof fn, context);
  }

  override off<T extends EventEmitter.EventNames<ListenerTable<E>>>(
    event: T,
    fn?: EventEmitter.EventListener<ListenerTable<E>, T>,
    context?: unknown,
    once?: boolean,
  ): this {
    const safe = fn === undefined ? undefined : (safeListeners.get(fn as Listener) ?? fn);
    return super.off(event, safe as typeof fn, context, once);
  }

  override removeListener<T extends EventEmitter.EventNames<ListenerTable<E>>>(
    event: T,
    fn?: EventEmitter.EventListener<ListenerTable<E>, T>,
    context?: unknown,
    once?: boolean,
  ): this {
    return this.off(event, fn, context, once);
  }

  override listeners<T extends EventEmitter.EventNames<ListenerTable<E>>>(
    event: T,
  ): Array<EventEmitter.EventListener<ListenerTable<E>, T>> {
    return super.listeners(event).map((l) => ((l as SafeListener)[ORIGINAL] ?? l) as typeof l);
  }
}

/** Calls a user callback (such as `onDiscard`) whose throw must never reach the call: it is reported instead. */
export function callIsolated(callback: ((value: unknown) => void) | undefined, value: unknown): void {
  if (callback === undefined) return;
  try {
    callback(value);
  } catch (error) {
    reportListenerError(error);
  }
}
