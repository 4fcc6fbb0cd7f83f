/** Something that wants to hear when a scope aborts (an EventTarget listener object). */
export interface AbortSubscriber {
  handleEvent(): void;
}

/**
 * One abort listener per caller signal, however many calls share it. Node
 * warns (MaxListenersExceededWarning) past ten listeners on one AbortSignal,
 * and a request-scoped signal is often shared by many concurrent calls; so
 * every call subscribes here, and the last one to leave removes the listener.
 */
class Fanout {
  readonly signal: AbortSignal;
  readonly subscribers = new Set<AbortSubscriber>();

  constructor(signal: AbortSignal) {
    this.signal = signal;
  }

  handleEvent(): void {
    fanouts.delete(this.signal);
    this.signal.removeEventListener('abort', this);
    const list = Array.from(this.subscribers);
    this.subscribers.clear();
    for (const subscriber of list) subscriber.handleEvent();
  }
}

const fanouts = new WeakMap<AbortSignal, Fanout>();

/** Calls `subscriber.handleEvent()` when `signal` aborts, until unsubscribed. */
export function subscribeToSignal(signal: AbortSignal, subscriber: AbortSubscriber): void {
  let fanout = fanouts.get(signal);
  if (fanout === undefined) {
    fanout = new Fanout(signal);
    fanouts.set(signal, fanout);
    signal.addEventListener('abort', fanout);
  }
  fanout.subscribers.add(subscriber);
}

/** Undoes {@link subscribeToSignal}; the signal's listener goes with the last subscriber. */
export function unsubscribeFromSignal(signal: AbortSignal, subscriber: AbortSubscriber): void {
  const fanout = fanouts.get(signal);
  if (fanout === undefined || !fanout.subscribers.delete(subscriber)) return;
  if (fanout.subscribers.size === 0) {
    fanouts.delete(signal);
    signal.removeEventListener('abort', fanout);
  }
}
