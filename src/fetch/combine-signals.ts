/** The shape of `AbortSignal.any`. */
export type AnySignal = (signals: AbortSignal[]) => AbortSignal;

const nativeAny: AnySignal | null =
  typeof AbortSignal !== 'undefined' && typeof (AbortSignal as { any?: unknown }).any === 'function'
    ? (AbortSignal as unknown as { any: AnySignal }).any.bind(AbortSignal)
    : null;

/** Undoes what {@link combineSignals} attached; a no-op where the platform combined them. */
export type Release = () => void;

const NOTHING_TO_RELEASE: Release = () => undefined;

/**
 * A signal that aborts when either signal aborts, with that signal's reason.
 * Uses `AbortSignal.any` where it exists (Node 20.3+, current browsers);
 * elsewhere it links the two by listeners that `release` removes. `any` is
 * there for tests: `null` takes the fallback.
 */
export function combineSignals(
  a: AbortSignal,
  b: AbortSignal,
  any: AnySignal | null = nativeAny,
): { signal: AbortSignal; release: Release } {
  if (any !== null) return { signal: any([a, b]), release: NOTHING_TO_RELEASE };
  const controller = new AbortController();
  if (a.aborted) {
    controller.abort(a.reason);
    return { signal: controller.signal, release: NOTHING_TO_RELEASE };
  }
  if (b.aborted) {
    controller.abort(b.reason);
    return { signal: controller.signal, release: NOTHING_TO_RELEASE };
  }
  const onA = (): void => {
    release();
    controller.abort(a.reason);
  };
  const onB = (): void => {
    release();
    controller.abort(b.reason);
  };
  const release = (): void => {
    a.removeEventListener('abort', onA);
    b.removeEventListener('abort', onB);
  };
  a.addEventListener('abort', onA);
  b.addEventListener('abort', onB);
  return { signal: controller.signal, release };
}
