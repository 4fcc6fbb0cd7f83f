/**
 * A deterministic source of numbers in [0, 1) for the `random` option of
 * policies (mulberry32: fast, 32-bit state, good enough for jitter and chaos).
 *
 * @example
 * ```ts
 * const random = seededRandom(42);
 * retry({ random }); // the same delays on every run
 * ```
 */
export function seededRandom(seed: number): () => number {
  if (typeof seed !== 'number' || !Number.isFinite(seed)) {
    throw new TypeError(`seededRandom: seed must be a finite number, got ${String(seed)}`);
  }
  let state = Math.trunc(seed) >>> 0;
  return (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
