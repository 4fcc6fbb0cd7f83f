import { EventEmitter } from 'eventemitter3';

/** Fields every event payload carries. */
export interface EventBase {
  /** The policy's `name`. */
  readonly policy: string;
  /** The `key` of the call that caused the event. */
  readonly key: string | undefined;
  /** The `correlationId` of the call that caused the event. */
  readonly correlationId: string | undefined;
  /** When it happened on the policy's clock: `clock.now()` at emission, or the moment a lazily noticed transition took effect. */
  readonly at: number;
}

/** Maps each event name of a policy to its payload type (without the common fields). */
export type EventMap = object;

/** eventemitter3's listener table for an {@link EventMap}: one payload argument per event. */
export type ListenerTable<E extends EventMap> = { [K in keyof E & string]: [payload: Readonly<E[K] & EventBase>] };

type Listener = (...args: never[]) => unknown;

const ORIGINAL: unique symbol = Symbol('breakwater.listener') as never;
type SafeListener = Listener & { [ORIGINAL]?: Listener };
/** One wrapper per listener and event, so that `off(event, fn)` finds what `on(event, fn)` added. */
const safeListeners = new WeakMap<Listener, Map<string, SafeListener>>();

interface ProcessLike {
  emitWarning?: (warning: Error) => void;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * What breakwater reports when an event listener or a user callback
 * (`onDiscard`, `failOn`, `retryOn`, `notExecuted`, `openFor`) throws: the
 * call goes on unchanged, and this warning says which policy and which event
 * or callback, with the thrown value as `cause`.
 */
export class BreakwaterListenerError extends Error {
  /** Always `'BREAKWATER_LISTENER_ERROR'`. */
  readonly code = 'BREAKWATER_LISTENER_ERROR';

  constructor(message: string, cause: unknown) {
    super(message, { cause });
    // Named here, not on the prototype at load, so the module has no side effect.
    Object.defineProperty(this, 'name', { value: 'BreakwaterListenerError', writable: true, configurable: true });
  }
}

/**
 * Hands a warning to `process.emitWarning` where it exists (Node, Bun, Deno's
 * Node layer), else to `console.error`. Reporting never throws.
 */
export function emitBreakwaterWarning(warning: Error): void {
  try {
    const proc = (globalThis as { process?: ProcessLike }).process;
    if (typeof proc?.emitWarning === 'function') proc.emitWarning(warning);
    else console.error(warning);
  } catch {
    // Reporting must never fail the call either.
  }
}

/** Reports an error thrown by a listener of `event` on the policy named `policy`, without letting it reach the call. */
export function reportListenerError(error: unknown, policy: string, event: string): void {
  emitBreakwaterWarning(
    new BreakwaterListenerError(
      `breakwater: a listener of "${event}" on policy "${policy}" threw: ${messageOf(error)}`,
      error,
    ),
  );
}

/** Reports an error thrown by a user callback (`failOn`, `onDiscard`, …); `outcome` says what the policy did instead. */
export function reportCallbackError(error: unknown, policy: string, callback: string, outcome: string): void {
  emitBreakwaterWarning(
    new BreakwaterListenerError(
      `breakwater: ${callback} of policy "${policy}" threw: ${messageOf(error)} (${outcome})`,
      error,
    ),
  );
}

function policyOf(payload: unknown): string {
  const name = typeof payload === 'object' && payload !== null ? (payload as { policy?: unknown }).policy : undefined;
  return typeof name === 'string' ? name : 'unknown';
}

/**
 * Wraps a listener so that its throw is reported and swallowed. The wrapper is
 * cached per function and event, so `off(event, fn)` finds what `on(event, fn)` added.
 */
function toSafe(fn: Listener, event: string): SafeListener {
  let byEvent = safeListeners.get(fn);
  if (byEvent === undefined) {
    byEvent = new Map();
    safeListeners.set(fn, byEvent);
  }
  let safe = byEvent.get(event);
  if (safe === undefined) {
    safe = function (this: unknown, ...args: never[]): void {
      try {
        fn.apply(this, args);
      } catch (error) {
        reportListenerError(error, policyOf(args[0]), event);
      }
    } as SafeListener;
    safe[ORIGINAL] = fn;
    byEvent.set(event, safe);
  }
  return safe;
}

function safeFor(fn: Listener, event: unknown): Listener {
  return safeListeners.get(fn)?.get(String(event)) ?? fn;
}

/**
 * The typed event emitter every policy is. Listeners that throw are isolated:
 * the error is reported with `process.emitWarning` (else `console.error`) and
 * neither the call nor the policy's state changes.
 */
export class PolicyEmitter<E extends EventMap> extends EventEmitter<ListenerTable<E>> {
  /**
   * True when someone listens to `event`. Most emitters have no listener at all, so eventemitter3's
   * own count of event names answers first, a field read instead of a lookup in its listener
   * table, which matters on the success path of every call (docs/decisions/0015). @internal
   */
  protected hasListener(event: keyof E & string): boolean {
    return (this as unknown as { _eventsCount: number })._eventsCount !== 0 && this.listenerCount(event as never) !== 0;
  }

  override on<T extends EventEmitter.EventNames<ListenerTable<E>>>(
    event: T,
    fn: EventEmitter.EventListener<ListenerTable<E>, T>,
    context?: unknown,
  ): this {
    return super.on(event, toSafe(fn as Listener, String(event)) as typeof fn, context);
  }

  override addListener<T extends EventEmitter.EventNames<ListenerTable<E>>>(
    event: T,
    fn: EventEmitter.EventListener<ListenerTable<E>, T>,
    context?: unknown,
  ): this {
    return super.addListener(event, toSafe(fn as Listener, String(event)) as typeof fn, context);
  }

  override once<T extends EventEmitter.EventNames<ListenerTable<E>>>(
    event: T,
    fn: EventEmitter.EventListener<ListenerTable<E>, T>,
    context?: unknown,
  ): this {
    return super.once(event, toSafe(fn as Listener, String(event)) as typeof fn, context);
  }

  override off<T extends EventEmitter.EventNames<ListenerTable<E>>>(
    event: T,
    fn?: EventEmitter.EventListener<ListenerTable<E>, T>,
    context?: unknown,
    once?: boolean,
  ): this {
    const safe = fn === undefined ? undefined : safeFor(fn as Listener, event);
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
export function callIsolated(
  callback: ((value: unknown) => void) | undefined,
  value: unknown,
  policy: string,
  name: string,
): void {
  if (callback === undefined) return;
  try {
    callback(value);
  } catch (error) {
    reportCallbackError(error, policy, name, 'ignored');
  }
}
